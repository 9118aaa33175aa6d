package org.obnam.restore;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.obnam.crypto.Label;
import org.obnam.generation.ChunkRef;
import org.obnam.store.ObjectId;

/** The restore's queue of chunks is bounded, and no chunk can wait for more room than there is. */
class RestoreQueueTest {
    private static ChunkRef chunkOf(int size) {
        return new ChunkRef(Label.of(new byte[32]), ObjectId.random(), 0, size + 40, size);
    }

    @Property
    void aChunkNeverNeedsMoreThanTheWholeBudget(@ForAll @IntRange(min = 1, max = 1024) int threads,
            @ForAll @IntRange(min = 0, max = 64 << 20) int size) {
        int permits = RestoreRun.queueBudget(threads);
        int cost = RestoreRun.queueCost(chunkOf(size), permits);
        assertThat(cost).isPositive().isLessThanOrEqualTo(permits);
        assertThat(cost).isGreaterThanOrEqualTo(Math.min(size, permits));
    }

    @Property
    void smallChunksCountAsSixteenKibSoFewFilesWaitAtOnce(@ForAll @IntRange(min = 0, max = 16 << 10) int size) {
        int permits = RestoreRun.queueBudget(2);
        assertThat(permits).isEqualTo(16 << 20);
        assertThat(permits / RestoreRun.queueCost(chunkOf(size), permits)).isEqualTo(1024);
    }
}
