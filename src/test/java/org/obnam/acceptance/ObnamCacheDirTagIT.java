package org.obnam.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.ExternalCommand.Result;
import org.obnam.testing.Manifest;
import org.obnam.testing.Obnam;
import org.obnam.testing.Tree;

/**
 * Rust Obnam's "CACHEDIR.TAG support", with our exit code: a new tag in an incremental backup is
 * reported on stdout and the backup, though made, exits with 3 (DESIGN sections 3 and 4).
 */
class ObnamCacheDirTagIT {
    @TempDir
    Path dir;

    private Obnam obnam;
    private Tree live;

    @BeforeEach
    void setUp() {
        obnam = Obnam.in(dir);
        live = Tree.at(dir.resolve("live"));
    }

    @Test
    void byDefaultDirectoriesWithACacheDirTagAreSkippedButTheTagIsKept() throws Exception {
        obnam.configure("roots: [live]");
        obnam.initialised();
        live.randomFile("ignored/data.dat", 1000);
        live.cacheDirTag("ignored");
        live.randomFile("not_ignored/data.dat", 1000);
        Manifest initial = Manifest.of(live.path("not_ignored"));

        String gen = obnam.backup().generationId();
        obnam.ok("restore", gen, "rest");

        assertThat(Manifest.of(dir.resolve("rest/live/not_ignored"))).isEqualTo(initial);
        assertThat(Files.readString(dir.resolve("rest/live/ignored/CACHEDIR.TAG")))
                .contains("Signature: 8a477f597d28d172789f06886806bc55");
        assertThat(dir.resolve("rest/live/ignored/data.dat")).doesNotExist();
        assertThat(obnam.ok("list-files").stdout()).doesNotContain("live/ignored/data.dat");
    }

    @Test
    void aTagWithoutTheRightSignatureDoesNotExcludeItsDirectory() {
        obnam.configure("roots: [live]");
        obnam.initialised();
        live.randomFile("fake/data.dat", 1000);
        live.file("fake/CACHEDIR.TAG", "Signature: not the real one\n");
        Manifest before = Manifest.of(live.root());

        obnam.backup();
        obnam.ok("restore", "latest", "rest");

        assertThat(Manifest.of(dir.resolve("rest/live"))).isEqualTo(before);
    }

    @Test
    void incrementalBackupReportsNewCacheDirTagsAndExitsNonZero() {
        obnam.configure("roots: [live]");
        obnam.initialised();
        live.randomFile("data1.dat", 1000);
        live.randomFile("data2.dat", 1000);
        obnam.backup().result().expectExit(0);
        live.cacheDirTag("");

        Result second = obnam.runBackup();

        second.expectExit(3);
        assertThat(second.stdout()).as(second.describe()).contains("live/CACHEDIR.TAG");
        Result files = obnam.ok("list-files");
        assertThat(files.stdoutLines()).as(files.describe()).contains("- live/CACHEDIR.TAG (new)");
        assertThat(files.stdout()).as(files.describe()).doesNotContain("live/data1.dat").doesNotContain("live/data2.dat");
        assertThat(obnam.ok("list").stdoutLines()).as("the backup is made despite the new tag").hasSize(2);

        Result third = obnam.runBackup();
        third.expectExit(0);
        assertThat(third.stdout()).as("a tag already in the previous generation is not new").doesNotContain("CACHEDIR.TAG");
    }

    @Test
    void cacheDirTagsAreIgnoredWhenExcludeCacheTagDirectoriesIsFalse() {
        obnam.configure("""
                roots: [live]
                exclude_cache_tag_directories: false
                """);
        obnam.initialised();
        live.randomFile("ignored/data.dat", 1000);
        live.cacheDirTag("ignored");
        live.randomFile("not_ignored/data.dat", 1000);
        Manifest initial = Manifest.of(live.root());

        String gen = obnam.backup().generationId();
        obnam.ok("restore", gen, "rest");
        assertThat(Manifest.of(dir.resolve("rest/live"))).isEqualTo(initial);

        live.cacheDirTag("not_ignored");
        Result second = obnam.runBackup();

        second.expectExit(0);
        assertThat(second.stdout()).doesNotContain("live/not_ignored/CACHEDIR.TAG");
    }
}
