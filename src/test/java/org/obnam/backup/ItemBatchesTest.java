package org.obnam.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ItemBatchesTest {
    private static Walker.Item item() {
        return new Walker.Item(null, new FileContent(new CompletableFuture<>(), () -> false));
    }

    @Test
    void itemsArriveInOrderInFullBatchesThenTheRestThenTheEnd() throws Exception {
        ItemBatches batches = new ItemBatches(8192, () -> false);
        List<Walker.Item> sent = new ArrayList<>();
        for (int i = 0; i < ItemBatches.BATCH * 2 + 5; i++) {
            Walker.Item it = item();
            sent.add(it);
            batches.accept(it);
        }
        batches.finish();

        List<List<Walker.Item>> got = new ArrayList<>();
        List<Walker.Item> b;
        while (!(b = batches.poll(1, TimeUnit.SECONDS)).isEmpty()) {
            got.add(b);
        }
        assertThat(got).extracting(List::size).containsExactly(ItemBatches.BATCH, ItemBatches.BATCH, 5);
        assertThat(got.stream().flatMap(List::stream).toList()).containsExactlyElementsOf(sent);
    }

    @Test
    void aBatchWhoseFirstItemWaitedLongGoesWithTheNextItem() throws Exception {
        ItemBatches batches = new ItemBatches(8192, () -> false);
        batches.accept(item());
        assertThat(batches.poll(0, TimeUnit.MILLISECONDS)).isNull();
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(ItemBatches.MAX_WAIT_NANOS) + 5);
        batches.accept(item());

        assertThat(batches.poll(1, TimeUnit.SECONDS)).hasSize(2);
    }

    @Test
    void aSenderBlockedByAFullQueueStopsWhenTheBackupFails() throws Exception {
        AtomicBoolean failed = new AtomicBoolean();
        ItemBatches batches = new ItemBatches(ItemBatches.BATCH, failed::get); // room for one batch
        for (int i = 0; i < ItemBatches.BATCH; i++) {
            batches.accept(item());
        }
        CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < ItemBatches.BATCH; i++) {
                    batches.accept(item());
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        assertThat(blocked).isNotDone();
        failed.set(true);

        assertThatThrownBy(() -> blocked.get(5, TimeUnit.SECONDS)).hasRootCauseInstanceOf(InterruptedException.class);
    }
}
