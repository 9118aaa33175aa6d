package org.obnam.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What the progress line says; drawing it needs a terminal (checked by hand with script(1)). */
class ProgressLineTest {
    @Test
    void aBackupShowsFilesAndTheBytesReadSoFarEvenInTheMiddleOfAFile() {
        ProgressLine p = new ProgressLine("backing up");
        AtomicLong read = new AtomicLong();
        p.liveBytes(read::get);
        p.update(1, 0, () -> "/home/alice/big.img");
        read.set(300L << 20); // one file, still being read
        assertThat(p.line(2.0)).isEqualTo("backing up 1 files, 300.0 MiB read, 150.0 MiB/s  /home/alice/big.img");
        ProgressLine.finish(p);
    }

    @Test
    void aRestoreKnowsItsTotalsAndEstimatesTheTimeLeft() {
        ProgressLine p = new ProgressLine("restoring");
        AtomicLong written = new AtomicLong(1L << 30);
        p.expect(5000, 10L << 30);
        p.liveBytes(written::get);
        p.update(120, 0, () -> "/home/alice/" + "x".repeat(60));
        assertThat(p.line(10.0)).isEqualTo("restoring 120 of 5000 files, 1.0 GiB of 10.0 GiB, 102.4 MiB/s, ETA 1:30  ..."
                + "x".repeat(37));
        ProgressLine.finish(p);
    }

    @Test
    void aCheckShowsItsStep() {
        ProgressLine p = new ProgressLine("checking");
        p.update(0, 0, () -> "listing stored objects");
        assertThat(p.line(1.0)).isEqualTo("checking: listing stored objects");
        ProgressLine.finish(p);
    }

    @Test
    void durationsReadAsClockTimes() {
        assertThat(ProgressLine.duration(0)).isEqualTo("0:00");
        assertThat(ProgressLine.duration(75)).isEqualTo("1:15");
        assertThat(ProgressLine.duration(3 * 3600 + 5 * 60 + 9)).isEqualTo("3:05:09");
    }
}
