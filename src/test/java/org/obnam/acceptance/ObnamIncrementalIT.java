package org.obnam.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.Manifest;
import org.obnam.testing.Obnam;
import org.obnam.testing.OpenWatch;
import org.obnam.testing.Tree;

/**
 * Rust Obnam's "Backup or not for the right reason": each entry of a generation says why it was
 * backed up, and an incremental backup reads only what changed (watched with inotify, not taken
 * from Obnam's own report).
 */
class ObnamIncrementalIT {
    @TempDir
    Path dir;

    private Obnam obnam;
    private Tree live;

    @BeforeEach
    void setUp() {
        obnam = Obnam.in(dir);
        live = Tree.at(dir.resolve("live"));
        obnam.configure("roots: [live]");
        obnam.initialised();
    }

    @Test
    void firstBackupBacksUpAllFilesBecauseTheyAreNew() {
        live.randomFile("data.dat", 1000);

        obnam.backup();

        assertThat(obnam.ok("list-files").stdoutLines()).contains("- live/data.dat (new)", "d live (new)");
    }

    @Test
    void unchangedFileInSecondBackupIsUnchanged() {
        live.randomFile("data.dat", 1000);

        obnam.backup();
        obnam.backup();

        assertThat(obnam.ok("list-files").stdoutLines()).contains("- live/data.dat (unchanged)");
    }

    @Test
    void changedFileInSecondBackupIsChanged() {
        live.randomFile("data.dat", 1000);
        obnam.backup();
        live.randomFile("data.dat", 1000);

        obnam.backup();

        assertThat(obnam.ok("list-files").stdoutLines()).contains("- live/data.dat (changed)");
    }

    @Test
    void listFilesOfAnOlderGenerationKeepsItsReasons() {
        live.randomFile("data.dat", 1000);
        String first = obnam.backup().generationId();
        live.randomFile("new.dat", 10);
        obnam.backup();

        assertThat(obnam.ok("list-files", first).stdoutLines()).containsExactlyInAnyOrder("d live (new)", "- live/data.dat (new)");
        assertThat(obnam.ok("list-files").stdoutLines()).contains("- live/data.dat (unchanged)", "- live/new.dat (new)");
    }

    @Test
    void incrementalBackupReadsOnlyChangedFiles() {
        live.randomFile("same.dat", 100_000);
        live.randomFile("edited.dat", 100_000);
        live.randomFile("touched.dat", 1000);
        obnam.backup();
        live.randomFile("edited.dat", 100_000);
        live.randomFile("added.dat", 1000);
        live.mode("touched.dat", 0600); // metadata only: must be noticed, even if content is the same

        Set<String> opened;
        try (OpenWatch watch = OpenWatch.on(live.root())) {
            obnam.backup();
            opened = watch.openedFiles();
        }

        assertThat(opened).as("files the incremental backup opened").contains("edited.dat", "added.dat")
                .doesNotContain("same.dat");
        assertThat(obnam.ok("list-files").stdoutLines()).contains(
                "- live/same.dat (unchanged)",
                "- live/edited.dat (changed)",
                "- live/added.dat (new)",
                "- live/touched.dat (changed)");
    }

    @Test
    void unchangedFilesAreRestoredFromAnIncrementalGeneration() {
        live.randomFile("same.dat", 200_000);
        live.randomFile("edited.dat", 50_000);
        obnam.backup();
        live.randomFile("edited.dat", 60_000);
        Manifest second = Manifest.of(live.root());
        obnam.backup();

        obnam.ok("restore", "latest", "rest");

        assertThat(Manifest.of(dir.resolve("rest/live"))).isEqualTo(second);
    }

    @Test
    void deletedFileIsGoneFromTheNextGenerationButStaysInTheOlderOne() {
        live.randomFile("keep.dat", 1000);
        live.randomFile("delete-me.dat", 1000);
        Manifest first = Manifest.of(live.root());
        String gen1 = obnam.backup().generationId();
        live.path("delete-me.dat").toFile().delete();
        Manifest second = Manifest.of(live.root());
        obnam.backup();

        assertThat(obnam.ok("list-files").stdout()).doesNotContain("delete-me.dat");
        obnam.ok("restore", "latest", "rest2");
        obnam.ok("restore", gen1, "rest1");
        assertThat(Manifest.of(dir.resolve("rest2/live"))).isEqualTo(second);
        assertThat(Manifest.of(dir.resolve("rest1/live"))).isEqualTo(first);
    }
}
