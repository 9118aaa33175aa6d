package org.obnam.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetryingStoreTest {
    @TempDir
    Path dir;

    DirectoryStore real;
    FlakyStore flaky;
    List<Long> sleeps = new ArrayList<>();
    long now;

    /**
     * A real directory store behind a switch: each call first takes the next planned failure, if any.
     * A failure planned "after" lets the call reach the real store and then loses its answer.
     */
    static final class FlakyStore implements Store {
        private final Store inner;
        final Deque<Object> plan = new ArrayDeque<>();
        int calls;

        static final String LOSE_ANSWER = "lose the answer";

        FlakyStore(Store inner) {
            this.inner = inner;
        }

        private interface Call<T> {
            T run() throws StoreException;
        }

        private <T> T call(Call<T> c) throws StoreException {
            calls++;
            Object next = plan.poll();
            if (next instanceof StoreException e) {
                throw e;
            }
            T result = c.run();
            if (LOSE_ANSWER.equals(next)) {
                throw new StoreException.Transient("connection reset after the request", null);
            }
            return result;
        }

        @Override
        public ObjectId put(ObjectMeta meta, byte[] body) throws StoreException {
            return call(() -> inner.put(meta, body));
        }

        @Override
        public StoredObject get(ObjectId id) throws StoreException {
            return call(() -> inner.get(id));
        }

        @Override
        public byte[] getRange(ObjectId id, long offset, int length) throws StoreException {
            return call(() -> inner.getRange(id, offset, length));
        }

        @Override
        public Map<String, ObjectLocation> findLabels(Collection<String> labels) throws StoreException {
            return call(() -> inner.findLabels(labels));
        }

        @Override
        public Map<ObjectId, ObjectMeta> findLabel(String label) throws StoreException {
            return call(() -> inner.findLabel(label));
        }

        @Override
        public void delete(ObjectId id) throws StoreException {
            call(() -> {
                inner.delete(id);
                return null;
            });
        }

        @Override
        public void list(ObjectVisitor visitor) throws StoreException {
            call(() -> {
                inner.list(visitor);
                return null;
            });
        }

        @Override
        public void flush() throws StoreException {
            call(() -> {
                inner.flush();
                return null;
            });
        }

        @Override
        public Optional<StoredRecord> getRecord(String name) throws StoreException {
            return call(() -> inner.getRecord(name));
        }

        @Override
        public long compareAndSetRecord(String name, long expectedVersion, byte[] body) throws StoreException {
            return call(() -> inner.compareAndSetRecord(name, expectedVersion, body));
        }

        @Override
        public List<String> recordNames() throws StoreException {
            return call(inner::recordNames);
        }

        @Override
        public String describe() {
            return "flaky " + inner.describe();
        }

        @Override
        public void close() throws StoreException {
            inner.close();
        }
    }

    static StoreException.Transient transientFailure() {
        return new StoreException.Transient("server restarting", null);
    }

    @BeforeEach
    void setUp() throws Exception {
        real = DirectoryStore.create(dir.resolve("repo"));
        flaky = new FlakyStore(real);
    }

    @AfterEach
    void tearDown() throws Exception {
        real.close();
    }

    private RetryingStore retrying(RetryingStore.Policy policy) {
        return new RetryingStore(flaky, policy, ms -> {
            sleeps.add(ms);
            now += ms * 1_000_000;
        }, () -> now);
    }

    private RetryingStore retrying() {
        return retrying(new RetryingStore.Policy(5, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofMinutes(1)));
    }

    @Test
    void transientFailuresAreRetriedUntilTheCallSucceeds() throws Exception {
        flaky.plan.add(transientFailure());
        flaky.plan.add(transientFailure());
        ObjectId id = retrying().put(ObjectMeta.single("x"), new byte[] {1});
        assertThat(real.get(id).body()).containsExactly(1);
        assertThat(flaky.calls).isEqualTo(3);
        assertThat(sleeps).hasSize(2);
    }

    @Test
    void aDraftsUploadIsRetriedAndItsBodyIsKeptForTheNextAttempt() throws Exception {
        flaky.plan.add(transientFailure());
        flaky.plan.add(transientFailure());
        ObjectId id;
        try (ObjectDraft draft = retrying().draft()) {
            draft.write(3, new byte[] {4, 5, 6}, 0, 3);
            draft.write(0, new byte[] {1, 2, 3}, 0, 3);
            id = draft.commit(ObjectMeta.pack(List.of("a", "b"), List.of(3L, 3L)), 6);
        }
        assertThat(real.get(id).body()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(flaky.calls).isEqualTo(3);
        assertThat(sleeps).hasSize(2);
    }

    @Test
    void delaysGrowExponentiallyWithJitterUpToTheCap() throws Exception {
        for (int i = 0; i < 6; i++) {
            flaky.plan.add(transientFailure());
        }
        RetryingStore store = retrying(new RetryingStore.Policy(7, Duration.ofMillis(100), Duration.ofMillis(800),
                Duration.ofMinutes(1)));
        store.recordNames();
        long[] caps = {100, 200, 400, 800, 800, 800};
        assertThat(sleeps).hasSize(6);
        for (int i = 0; i < 6; i++) {
            assertThat(sleeps.get(i)).as("delay %d", i).isBetween(caps[i] / 2, caps[i]);
        }
    }

    @Test
    void aFullDiskOnTheServerIsReportedAtOnceNotRetried() {
        flaky.plan.add(new StoreException.NoSpace("the server has run out of storage space", null));
        assertThatThrownBy(() -> retrying().put(ObjectMeta.single("x"), new byte[] {1}))
                .isInstanceOf(StoreException.NoSpace.class)
                .hasMessageContaining("out of storage space");
        assertThat(flaky.calls).isEqualTo(1);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void givesUpAfterTheLastAttemptWithTheFailure() {
        for (int i = 0; i < 10; i++) {
            flaky.plan.add(transientFailure());
        }
        assertThatThrownBy(() -> retrying().recordNames())
                .isInstanceOf(StoreException.Transient.class)
                .hasMessageContaining("server restarting")
                .hasMessageContaining("5 attempts");
        assertThat(flaky.calls).isEqualTo(5);
    }

    @Test
    void givesUpWhenTheTotalTimeWouldRunOut() {
        for (int i = 0; i < 10; i++) {
            flaky.plan.add(transientFailure());
        }
        RetryingStore store = retrying(new RetryingStore.Policy(100, Duration.ofSeconds(1), Duration.ofSeconds(10),
                Duration.ofSeconds(5)));
        assertThatThrownBy(store::recordNames).isInstanceOf(StoreException.Transient.class);
        assertThat(now).isLessThanOrEqualTo(Duration.ofSeconds(5).toNanos());
        assertThat(flaky.calls).isLessThan(10);
    }

    @Test
    void otherFailuresAreNeverRetried() {
        List<StoreException> failures = List.of(new StoreException.NotFound("gone"),
                new StoreException.BadRequest("bad"), new StoreException.Forbidden("no"),
                new StoreException.Corrupt("damaged"), new StoreException.Conflict("lost", 3),
                new StoreException("disk on fire"));
        for (StoreException f : failures) {
            flaky.calls = 0;
            flaky.plan.add(f);
            assertThatThrownBy(() -> retrying().get(ObjectId.random())).isSameAs(f);
            assertThat(flaky.calls).as(f.getClass().getSimpleName()).isEqualTo(1);
        }
        assertThat(sleeps).isEmpty();
    }

    @Test
    void deleteWhoseAnswerWasLostCountsAsDone() throws Exception {
        ObjectId id = real.put(ObjectMeta.single("x"), new byte[1]);
        flaky.plan.add(FlakyStore.LOSE_ANSWER);
        retrying().delete(id);
        assertThatThrownBy(() -> real.get(id)).isInstanceOf(StoreException.NotFound.class);
        assertThat(flaky.calls).isEqualTo(2);
    }

    @Test
    void deleteOfAMissingObjectIsStillNotFound() {
        assertThatThrownBy(() -> retrying().delete(ObjectId.random())).isInstanceOf(StoreException.NotFound.class);
    }

    @Test
    void compareAndSetWhoseAnswerWasLostCountsAsWon() throws Exception {
        flaky.plan.add(FlakyStore.LOSE_ANSWER);
        assertThat(retrying().compareAndSetRecord("gens", 0, new byte[] {7})).isEqualTo(1);
        assertThat(real.getRecord("gens").orElseThrow().body()).containsExactly(7);
    }

    @Test
    void compareAndSetThatLostToAnotherWriterIsStillAConflict() throws Exception {
        flaky.plan.add(transientFailure());
        real.compareAndSetRecord("gens", 0, new byte[] {1}); // someone else wins meanwhile
        assertThatThrownBy(() -> retrying().compareAndSetRecord("gens", 0, new byte[] {2}))
                .isInstanceOf(StoreException.Conflict.class);
    }

    @Test
    void interruptStopsWaitingAndKeepsTheInterruptFlag() {
        flaky.plan.add(transientFailure());
        RetryingStore store = new RetryingStore(flaky, RetryingStore.Policy.DEFAULT, ms -> {
            throw new InterruptedException();
        }, System::nanoTime);
        try {
            assertThatThrownBy(store::recordNames)
                    .isInstanceOf(StoreException.class)
                    .isNotInstanceOf(StoreException.Transient.class)
                    .hasMessageContaining("interrupted");
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void realSleepsAreShortWithATestPolicy() throws Exception {
        flaky.plan.add(transientFailure());
        RetryingStore store = new RetryingStore(flaky,
                new RetryingStore.Policy(3, Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofSeconds(5)));
        assertThat(store.recordNames()).isEmpty();
    }
}
