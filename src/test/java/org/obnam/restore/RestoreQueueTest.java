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

    @Property
    void decodingStaysInThreeQuartersOfTheHeap(@ForAll @IntRange(min = 1, max = 256) int threads,
            @ForAll @IntRange(min = 48, max = 4096) int heapMiB) {
        long heap = (long) heapMiB << 20;
        RestoreRun.DecodeMemory m = RestoreRun.DecodeMemory.of(heap, threads);
        long most = m.windowBytes() + 3L * threads * m.reusedBufferLimit() + m.bigChunkPermits();
        assertThat(most).isLessThanOrEqualTo(Math.max(heap * 3 / 4, m.windowBytes() + (16L << 20)));
        assertThat(m.windowBytes()).isEqualTo(PackCache.bytesFor(threads));
        assertThat(m.reusedBufferLimit()).isPositive();
    }

    @Property
    void withTheLaunchersDefaultHeapADefaultSizeChunkDecodesInTheReusedBuffers(
            @ForAll @IntRange(min = 1, max = 64) int cpus) {
        // bin/obnam-launch: 64 MiB + 24 MiB per CPU; the JVM reports a little less (one survivor space)
        long heap = (64L + 24L * cpus) * (1 << 20) * 95 / 100;
        int biggest = org.obnam.chunking.ChunkerParams.DEFAULT_MAX_SIZE + org.obnam.crypto.ChunkCipher.OVERHEAD;
        assertThat(RestoreRun.DecodeMemory.of(heap, cpus).reusedBufferLimit()).isGreaterThanOrEqualTo(biggest);
    }
}
