package org.obnam.backup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A backup fits its heap: it runs fewer threads rather than run out of memory. */
class MemoryBudgetTest {
    private static final int MIB = 1 << 20;

    @Test
    void twoCoresWithTheDefaultHeapKeepBothThreads() {
        assertThat(BackupRun.threadsForHeap(2, 4 * MIB, 256L * MIB)).isEqualTo(2);
    }

    @Test
    void manyThreadsOnTheDefaultHeapAreCutToWhatFits() {
        int threads = BackupRun.threadsForHeap(32, 4 * MIB, 256L * MIB);
        assertThat(threads).isBetween(2, 31);
        assertThat(BackupRun.memoryNeeded(threads, 4 * MIB, 256L * MIB)).isLessThanOrEqualTo(256L * MIB * 85 / 100);
        assertThat(BackupRun.memoryNeeded(threads + 1, 4 * MIB, 256L * MIB)).isGreaterThan(256L * MIB * 85 / 100);
    }

    @Test
    void theLaunchersHeapForSixtyFourCpusHoldsSixtyFourThreads() {
        // bin/obnam-launch gives 32 MiB of heap per CPU
        assertThat(BackupRun.threadsForHeap(64, 4 * MIB, 64L * 32 * MIB)).isEqualTo(64);
        assertThat(BackupRun.threadsForHeap(16, 4 * MIB, 16L * 32 * MIB)).isEqualTo(16);
    }

    @Test
    void aTinyHeapStillGetsOneThread() {
        assertThat(BackupRun.threadsForHeap(8, 64 * MIB, 64L * MIB)).isEqualTo(1);
    }
}
