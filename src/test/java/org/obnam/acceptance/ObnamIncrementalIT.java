package org.obnam.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
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
    void eachFileIsBackedUpForTheRightReason() {
        live.randomFile("data.dat", 1000);

        String first = obnam.backup().generationId();
        assertThat(obnam.ok("list-files").stdoutLines()).as("first backup: all new")
                .containsExactlyInAnyOrder("d live (new)", "- live/data.dat (new)");

        obnam.backup();
        assertThat(obnam.ok("list-files").stdoutLines()).as("second backup, nothing changed")
                .contains("- live/data.dat (unchanged)");

        live.randomFile("data.dat", 1000);
        obnam.backup();
        assertThat(obnam.ok("list-files").stdoutLines()).as("third backup, after the file was rewritten")
                .contains("- live/data.dat (changed)");

        assertThat(obnam.ok("list-files", first).stdoutLines()).as("the first generation keeps its reasons")
                .containsExactlyInAnyOrder("d live (new)", "- live/data.dat (new)");
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
        Manifest second = Manifest.of(live.root());

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
        obnam.ok("restore", "latest", "rest");
        assertThat(Manifest.of(dir.resolve("rest/live"))).as("unchanged files restore from the incremental generation")
                .isEqualTo(second);
    }

    @Test
    void theNextBackupReadsTheLastDatabaseFromThisClientsCacheOrFetchesItWhenItCannot() throws Exception {
        live.randomFile("same.dat", 1000);
        String first = obnam.backup().generationId();
        Path generations = obnam.home().resolve(".cache/obnam/generations");
        assertThat(cachedDatabase(generations).getFileName()).hasToString(first + ".db");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(generations))).isEqualTo("rwx------");

        Files.setPosixFilePermissions(generations, PosixFilePermissions.fromString("rwxr-xr-x"));
        Obnam.Backup second = Obnam.Backup.of(obnam.ok("--debug", "backup"));
        assertThat(second.stderr()).contains("previous generation " + first + " from the local cache");
        assertThat(cachedDatabase(generations).getFileName()).as("only the latest is kept")
                .hasToString(second.generationId() + ".db");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(generations)))
                .as("made owner-only again").isEqualTo("rwx------");
        assertThat(obnam.ok("list-files").stdoutLines()).contains("- live/same.dat (unchanged)");

        // A copy that is not a database (same size) is not used: the repository's is fetched.
        Path damaged = cachedDatabase(generations);
        byte[] junk = new byte[Math.toIntExact(Files.size(damaged))];
        Arrays.fill(junk, (byte) 'x');
        Files.write(damaged, junk);
        live.randomFile("new.dat", 1000);
        Obnam.Backup third = Obnam.Backup.of(obnam.ok("--debug", "backup"));
        assertThat(third.stderr()).contains("fetched previous generation " + second.generationId())
                .doesNotContain("from the local cache");
        assertThat(obnam.ok("list-files").stdoutLines()).contains("- live/same.dat (unchanged)", "- live/new.dat (new)");

        // No copy at all (another machine made the latest backup, or the cache was cleared).
        deleteTree(generations);
        Manifest now = Manifest.of(live.root());
        Obnam.Backup fourth = Obnam.Backup.of(obnam.ok("--debug", "backup"));
        assertThat(fourth.stderr()).contains("fetched previous generation " + third.generationId());
        assertThat(obnam.ok("list-files").stdoutLines()).contains("- live/same.dat (unchanged)", "- live/new.dat (unchanged)");
        obnam.ok("restore", "latest", "rest");
        assertThat(Manifest.of(dir.resolve("rest/live"))).isEqualTo(now);
    }

    private static Path cachedDatabase(Path generations) throws IOException {
        try (Stream<Path> files = Files.walk(generations)) {
            List<Path> dbs = files.filter(Files::isRegularFile).toList();
            assertThat(dbs).as("databases kept in " + generations).hasSize(1);
            return dbs.getFirst();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
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
