package org.obnam.backup;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Chunk arrays are reused, sized close to their chunks, and never held beyond the pool's limit. */
class ChunkBuffersTest {
    private static final int MIB = 1 << 20;

    @Property
    void anArrayHoldsItsChunkAndWastesAtMostAQuarter(@ForAll @IntRange(min = 0, max = 64 * MIB) int length) {
        int capacity = ChunkBuffers.capacityFor(length);
        assertThat(capacity).isGreaterThanOrEqualTo(length);
        assertThat((long) capacity).isLessThanOrEqualTo(Math.max(length, (long) length * 5 / 4 + 1));
        assertThat(new ChunkBuffers(128L * MIB).take(length)).hasSize(capacity);
    }

    @Test
    void aGivenBackArrayIsReusedForAChunkOfSimilarSize() {
        ChunkBuffers pool = new ChunkBuffers(64L * MIB);
        byte[] first = pool.take(MIB + 100);
        pool.give(first);
        assertThat(pool.take(MIB + 5000)).isSameAs(first);
        assertThat(pool.freeBytes()).isZero();
    }

    @Test
    void aChunkUsesAFreeArrayOfUpToTwiceItsSizeButNoBigger() {
        ChunkBuffers pool = new ChunkBuffers(64L * MIB);
        byte[] big = pool.take(4 * MIB);
        pool.give(big);
        assertThat(pool.take(2 * MIB + 1)).isSameAs(big);
        pool.give(big);
        byte[] small = pool.take(2 * MIB - 1);
        assertThat(small).isNotSameAs(big).hasSize(ChunkBuffers.capacityFor(2 * MIB - 1));
    }

    @Test
    void smallChunksGetExactArraysThatAreNotKept() {
        ChunkBuffers pool = new ChunkBuffers(64L * MIB);
        byte[] small = pool.take(100);
        assertThat(small).hasSize(100);
        pool.give(small);
        assertThat(pool.freeBytes()).isZero();
        assertThat(pool.take(100)).isNotSameAs(small);
    }

    @Test
    void freeArraysOfOtherSizesAreDroppedToStayWithinTheLimit() {
        ChunkBuffers pool = new ChunkBuffers(8L * MIB);
        for (int i = 0; i < 4; i++) {
            pool.give(pool.take(MIB)); // the same array each time
        }
        byte[][] held = {pool.take(MIB), pool.take(MIB), pool.take(MIB)};
        for (byte[] b : held) {
            pool.give(b);
        }
        assertThat(pool.pooledBytes()).isEqualTo(3L * MIB);
        byte[] big = pool.take(6 * MIB);
        assertThat(big).hasSize(6 * MIB);
        assertThat(pool.pooledBytes()).isLessThanOrEqualTo(8L * MIB);
        assertThat(pool.freeBytes()).isEqualTo(2L * MIB);
    }

    @Test
    void arraysInUseAreNeverDroppedEvenBeyondTheLimit() {
        ChunkBuffers pool = new ChunkBuffers(2L * MIB);
        byte[] a = pool.take(2 * MIB);
        byte[] b = pool.take(2 * MIB); // the budget of the pipeline, not the pool, bounds what is in use
        assertThat(b).isNotSameAs(a);
        assertThat(pool.pooledBytes()).isEqualTo(4L * MIB);
        pool.give(a);
        pool.give(b);
        assertThat(pool.take(2 * MIB)).isIn(a, b);
    }
}
