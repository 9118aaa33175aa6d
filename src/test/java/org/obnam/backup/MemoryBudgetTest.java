package org.obnam.backup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A backup fits its heap: it runs fewer threads rather than run out of memory. */
class MemoryBudgetTest {
    private static final int MIB = 1 << 20;

    @Test
    void twoCoresWithTheDefaultHeapKeepBothThreads() {
        assertThat(BackupRun.threadsForHeap(2, 4 * MIB, 256L * MIB, true)).isEqualTo(2);
    }

    @Test
    void manyThreadsOnTheDefaultHeapAreCutToWhatFits() {
        int threads = BackupRun.threadsForHeap(32, 4 * MIB, 256L * MIB, true);
        assertThat(threads).isBetween(2, 31);
        assertThat(BackupRun.memoryNeeded(threads, 4 * MIB, 256L * MIB, true)).isLessThanOrEqualTo(256L * MIB * BackupRun.HEAP_PERCENT_FOR_BUFFERS / 100);
        assertThat(BackupRun.memoryNeeded(threads + 1, 4 * MIB, 256L * MIB, true)).isGreaterThan(256L * MIB * BackupRun.HEAP_PERCENT_FOR_BUFFERS / 100);
    }

    @Test
    void theLaunchersDefaultHeapHoldsOneThreadPerCpuWhetherPacksFillOnDiskOrNot() {
        // bin/obnam-launch gives 64 MiB plus 24 MiB per CPU; local and remote stores both fill
        // packs on disk, only a store without a place for them holds them in the heap
        for (int cpus : new int[] {1, 2, 4, 16, 64}) {
            long heap = (64L + 24L * cpus) * MIB * 97 / 100; // what the JVM reports of -Xmx
            assertThat(BackupRun.threadsForHeap(cpus, 4 * MIB, heap, false)).as("%d CPUs", cpus).isEqualTo(cpus);
        }
        assertThat(BackupRun.memoryNeeded(2, 4 * MIB, 112L * MIB, true))
                .isGreaterThan(BackupRun.memoryNeeded(2, 4 * MIB, 112L * MIB, false) + 24L * MIB);
    }

    @Test
    void theLaunchersHeapForABigChunkSizeHoldsTwoThreads() {
        // bin/obnam-launch gives a chunk_size of C MiB above 4 at least 12 C + 56 MiB
        for (int chunkMib : new int[] {5, 8, 16, 32, 64}) {
            long heap = (12L * chunkMib + 56) * MIB * 97 / 100;
            assertThat(BackupRun.threadsForHeap(2, chunkMib * MIB, heap, false)).as("chunk_size %d MiB", chunkMib).isEqualTo(2);
        }
    }

    @Test
    void aTinyHeapStillGetsOneThread() {
        assertThat(BackupRun.threadsForHeap(8, 64 * MIB, 64L * MIB, true)).isEqualTo(1);
    }
}
