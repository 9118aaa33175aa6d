package org.obnam.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.ExternalCommand.Result;
import org.obnam.testing.Manifest;
import org.obnam.testing.Obnam;
import org.obnam.testing.Tree;

/**
 * Rust Obnam's "Acceptance criteria for Obnam as a whole", against a local repository: back up
 * real files with the real client, restore them, and compare manifests of the live and restored
 * trees.
 */
class ObnamBackupRestoreIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Obnam obnam;
    private Tree live;

    @BeforeEach
    void setUp() {
        obnam = Obnam.in(dir);
        live = Tree.at(dir.resolve("live"));
    }

    private Manifest restored(String restoreDir, String root) {
        return Manifest.of(dir.resolve(restoreDir).resolve(root));
    }

    @Test
    void smokeTestForBackupAndRestore() {
        obnam.configure("roots: [live]");
        obnam.initialised();
        live.randomFile("data.dat", 100_000);
        Manifest before = Manifest.of(live.root());

        String gen = obnam.backup().generationId();

        assertThat(obnam.ok("list").stdout()).contains(gen);
        assertThat(obnam.ok("resolve", "latest").stdout().strip()).isEqualTo(gen);
        obnam.ok("restore", gen, "rest");
        assertThat(restored("rest", "live")).isEqualTo(before);
    }

    @Test
    void aSmallHeapAndManyThreadsStillRestoreBigChunksExactly() {
        // 32 threads each holding a few 4 MiB chunks would need far more than a 48 MiB heap: the
        // restore must bound what it decodes at once, not run out of memory (which once left
        // holes of zeros in files reported as restored).
        obnam.configure("roots: [live]\nchunk_size: 4194304");
        obnam.initialised();
        for (int i = 0; i < 4; i++) {
            live.randomFile("big" + i + ".dat", 12 << 20);
        }
        Manifest before = Manifest.of(live.root());
        String gen = obnam.backup().generationId();
        obnam.withEnv("OBNAM_MAX_HEAP", "48m").ok("restore", "--threads", "32", gen, "rest");
        assertThat(restored("rest", "live")).isEqualTo(before);
    }

    @Test
    void aLargeChunkSizeBacksUpAndRestoresWithoutRaisingTheHeapByHand() {
        // The launcher reads chunk_size from the configuration and sizes the heap for it: with the
        // default heap a chunk_size of 16 MiB ran out of memory even on one thread.
        obnam.configure("roots: [live]\nchunk_size: 16777216");
        obnam.initialised();
        live.randomFile("random.dat", 20 << 20);
        live.file("zeros.dat", new byte[40 << 20]); // never cut by content: chunks of the maximum size
        Manifest before = Manifest.of(live.root());
        String gen = obnam.backup("--threads", "2").generationId();
        obnam.ok("restore", "--threads", "2", gen, "rest");
        assertThat(restored("rest", "live")).isEqualTo(before);
    }

    @Test
    void restoreLeavesTheTargetsOwnAttributesAsTheyWere() throws Exception {
        // The restore marks its target as the top of a hierarchy (chattr +T) while it works: the
        // mark must come off a target that did not have it, and stay on one that did. Restoring
        // again into the same target reuses what the first restore made.
        obnam.configure("roots: [live]");
        obnam.initialised();
        live.randomFile("a.dat", 50_000);
        Manifest before = Manifest.of(live.root());
        String gen = obnam.backup().generationId();
        Path marked = Files.createDirectory(dir.resolve("marked"));
        boolean flagsKept = run("chattr", "+T", marked.toString()) == 0;

        obnam.ok("restore", gen, "rest");
        obnam.ok("restore", gen, "marked");
        obnam.ok("restore", gen, "rest");

        assertThat(restored("rest", "live")).isEqualTo(before);
        assertThat(restored("marked", "live")).isEqualTo(before);
        // The top-level directories were made under temporary names: none may be left.
        try (var names = Files.list(dir.resolve("rest"))) {
            assertThat(names.map(p -> p.getFileName().toString())).containsExactly("live");
        }
        if (flagsKept) {
            assertThat(lsattrFlags(dir.resolve("rest"))).doesNotContain("T");
            assertThat(lsattrFlags(marked)).contains("T");
            assertThat(lsattrFlags(dir.resolve("rest").resolve("live"))).doesNotContain("T");
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    private static String lsattrFlags(Path path) throws Exception {
        Process p = new ProcessBuilder("lsattr", "-d", path.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertThat(p.waitFor()).as("lsattr -d %s: %s", path, out).isZero();
        return out.split("\\s+")[0];
    }

    @Test
    void restoringAgainIntoTheSameDirectoryReplacesWhatIsThere() throws Exception {
        obnam.configure("roots: [live]");
        obnam.initialised();
        live.randomFile("a.dat", 50_000);
        live.randomFile("b.dat", 10_000);
        live.randomFile("c.dat", 10_000);
        Manifest before = Manifest.of(live.root());
        String gen = obnam.backup().generationId();
        obnam.ok("restore", gen, "rest");
        Path restoredLive = dir.resolve("rest").resolve("live");
        // Damage the first restore: changed content, a file made a symlink, a hard link to another file.
        Files.writeString(restoredLive.resolve("a.dat"), "changed");
        Files.delete(restoredLive.resolve("b.dat"));
        Files.createSymbolicLink(restoredLive.resolve("b.dat"), restoredLive.resolve("a.dat"));
        Files.delete(restoredLive.resolve("c.dat"));
        Files.createLink(restoredLive.resolve("c.dat"), restoredLive.resolve("a.dat"));

        obnam.ok("restore", gen, "rest");
        assertThat(restored("rest", "live")).isEqualTo(before);
    }

    @Test
    void restoringAgainReplacesFilesAndSymlinksWhereTheGenerationHasDirectories() throws Exception {
        obnam.configure("roots: [live]");
        obnam.initialised();
        live.randomFile("d/f.dat", 20_000);
        live.randomFile("e/g.dat", 20_000);
        Manifest before = Manifest.of(live.root());
        String gen = obnam.backup().generationId();
        obnam.ok("restore", gen, "rest");
        Path restoredLive = dir.resolve("rest").resolve("live");
        Path outside = Files.createDirectories(dir.resolve("outside"));
        deleteTree(restoredLive.resolve("d"));
        Files.writeString(restoredLive.resolve("d"), "a file where a directory was");
        deleteTree(restoredLive.resolve("e"));
        Files.createSymbolicLink(restoredLive.resolve("e"), outside);

        obnam.ok("restore", gen, "rest");

        assertThat(restored("rest", "live")).isEqualTo(before);
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void aDirectoryWhereTheGenerationHasAFileIsLeftAloneAndNamed() throws Exception {
        obnam.configure("roots: [live]");
        obnam.initialised();
        live.randomFile("a.dat", 20_000);
        byte[] b = Tree.randomBytes(20_000);
        live.file("b.dat", b);
        String gen = obnam.backup().generationId();
        obnam.ok("restore", gen, "rest");
        Path restoredLive = dir.resolve("rest").resolve("live");
        Files.delete(restoredLive.resolve("a.dat"));
        Files.createDirectories(restoredLive.resolve("a.dat"));
        Files.writeString(restoredLive.resolve("a.dat").resolve("keep"), "mine");
        Files.writeString(restoredLive.resolve("b.dat"), "changed");

        Result again = obnam.run("restore", gen, "rest");

        again.expectExit(1);
        assertThat(again.stderr()).as(again.describe()).contains("a.dat").contains("a directory is in the way");
        assertThat(restoredLive.resolve("a.dat").resolve("keep")).hasContent("mine");
        assertThat(restoredLive.resolve("b.dat")).hasBinaryContent(b);
    }

    @Test
    void aHardLinkedSymlinkIsRestoredAsOneInode() throws Exception {
        obnam.configure("roots: [live]");
        obnam.initialised();
        live.symlink("s", "somewhere/else");
        live.hardLink("s2", "s");
        assertThat(inode(live.path("s2"))).as("the test needs a hard link to the symlink itself").isEqualTo(inode(live.path("s")));
        String gen = obnam.backup().generationId();

        obnam.ok("restore", gen, "rest");

        Path restoredLive = dir.resolve("rest").resolve("live");
        assertThat(Files.readSymbolicLink(restoredLive.resolve("s2"))).isEqualTo(Path.of("somewhere/else"));
        assertThat(inode(restoredLive.resolve("s2"))).isEqualTo(inode(restoredLive.resolve("s")));
        assertThat(Files.getAttribute(restoredLive.resolve("s"), "unix:nlink", java.nio.file.LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(2);
    }

    @Test
    void aFileOfVeryManyChunksBacksUpInABoundedHeapWithSchemaOne() {
        // 64 MiB in chunks of at most 4 KiB: about 60,000 chunks, as many as a 60 GB file has with
        // the default chunk size. The whole chunk list used to be kept until the file's end, and
        // this ran out of a 32 MiB heap; schema 1.0 now writes it to the database as it goes.
        obnam.configure("roots: [live]\nchunk_size: 4096");
        obnam.initialised();
        live.randomFile("big.dat", 64 << 20);
        Manifest before = Manifest.of(live.root());

        Result backup = obnam.withEnv("OBNAM_MAX_HEAP", "32m").run("backup", "--backup-version", "1");

        backup.expectSuccess();
        String gen = Obnam.Backup.of(backup).generationId();
        obnam.ok("restore", gen, "rest");
        assertThat(restored("rest", "live")).isEqualTo(before);
    }

    private static Object inode(Path p) throws Exception {
        return Files.getAttribute(p, "unix:ino", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    private static void deleteTree(Path root) throws Exception {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void aFileThatFailsWhileBeingReadIsRecordedAsSkippedAndTheRestIsBackedUp() {
        // /proc/self/mem opens, then fails with EIO at offset 0: an error after the open, in the
        // reader, whose entry is already in the generation database when the error arrives.
        obnam.configure("roots: [live, /proc/self/mem]");
        obnam.initialised();
        for (int i = 0; i < 20; i++) {
            live.randomFile("f" + i + ".dat", 30_000 + i);
        }
        Manifest before = Manifest.of(live.root());

        Result backup = obnam.runBackup();

        backup.expectExit(3);
        assertThat(backup.stdoutLines()).as(backup.describe())
                .anyMatch(l -> l.startsWith("warning: ") && l.contains("/proc/self/mem") && l.contains("EIO"));
        String gen = Obnam.Backup.of(backup).generationId();
        assertThat(obnam.ok("list-files", gen).stdoutLines()).contains("- /proc/self/mem (skipped)");
        obnam.ok("restore", gen, "rest");
        assertThat(restored("rest", "live")).isEqualTo(before);
        assertThat(dir.resolve("rest/proc/self/mem")).doesNotExist();
    }

    @Test
    void listShowsEachGenerationWithAnIsoTime() {
        obnam.configure("roots: [live]");
        obnam.initialised();
        live.randomFile("data.dat", 1000);

        String first = obnam.backup().generationId();
        String second = obnam.backup().generationId();

        List<String> lines = obnam.ok("list").stdoutLines();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith(first + " ").matches(".* \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d.*Z");
        assertThat(lines.get(1)).startsWith(second + " ");
        assertThat(obnam.ok("resolve", first.substring(0, 8)).stdout().strip()).isEqualTo(first);
    }

    @Test
    void inspectShowsTheSchemaVersionThatBackupVersionPicks() {
        obnam.configure("roots: [live]");
        obnam.initialised();
        live.randomFile("data.dat", 1000);

        obnam.backup();
        assertThat(obnam.ok("inspect", "latest").stdout()).contains("schema_version: 0.0\n");
        obnam.backup("--backup-version=0");
        assertThat(obnam.ok("inspect", "latest").stdout()).contains("schema_version: 0.0\n");
        obnam.backup("--backup-version=1");
        assertThat(obnam.ok("inspect", "latest").stdout()).contains("schema_version: 1.0\n");
    }

    @Test
    void backupsMadeWithEachBackupVersionRestore() {
        obnam.configure("roots: [live]");
        obnam.initialised();
        live.randomFile("data.dat", 50_000);
        live.file("sub/small.txt", "small");
        live.symlink("link", "data.dat");
        Manifest before = Manifest.of(live.root());

        obnam.backup("--backup-version=0");
        obnam.ok("restore", "latest", "rest0");
        assertThat(restored("rest0", "live")).isEqualTo(before);

        obnam.backup("--backup-version=1");
        obnam.ok("restore", "latest", "rest1");
        assertThat(restored("rest1", "live")).isEqualTo(before);

        // Unchanged files are taken from the previous generation, of the same version or not.
        String[] versions = {"1", "0", "0"};
        for (int i = 0; i < versions.length; i++) {
            Obnam.Backup b = obnam.backup("--backup-version=" + versions[i]);
            assertThat(b.result().stdout()).contains("files-read: 0, files-unchanged: 2");
            assertThat(obnam.ok("list-files").stdoutLines()).contains("- live/data.dat (unchanged)");
            obnam.ok("restore", "latest", "rest-again" + i);
            assertThat(restored("rest-again" + i, "live")).isEqualTo(before);
        }
    }

    @Test
    void restoreLatestRestoresTheNewestOfTwoGenerationsAndAnIdTheOlder() {
        obnam.configure("roots: [live]");
        obnam.initialised();
        live.file("data.dat", "first version");
        Manifest first = Manifest.of(live.root());
        String gen1 = obnam.backup().generationId();
        live.file("data.dat", "second version, longer");
        live.randomFile("more.dat", 1000);
        Manifest second = Manifest.of(live.root());
        obnam.backup();

        obnam.ok("restore", "latest", "rest");
        obnam.ok("restore", gen1, "rest-old");

        assertThat(restored("rest", "live")).isEqualTo(second);
        assertThat(restored("rest-old", "live")).isEqualTo(first);
    }

    @Test
    void multipleDirectoriesAreBackedUpAndRestored() {
        live.randomFile("one/data.dat", 2000);
        live.randomFile("two/data.dat", 3000);
        obnam.configure("""
                roots:
                - live/one
                - live/two
                """);
        obnam.initialised();
        Manifest one = Manifest.of(live.path("one"));
        Manifest two = Manifest.of(live.path("two"));

        String gen = obnam.backup().generationId();
        obnam.ok("restore", gen, dir.resolve("rest").toAbsolutePath().toString());

        assertThat(restored("rest", "live/one")).isEqualTo(one);
        assertThat(restored("rest", "live/two")).isEqualTo(two);
    }

    @Test
    void absoluteRootIsRestoredUnderTheRestoreDirectory() {
        live.randomFile("data.dat", 2000);
        obnam.configure("roots: [" + live.root().toAbsolutePath() + "]");
        obnam.initialised();
        Manifest before = Manifest.of(live.root());

        obnam.backup();
        obnam.ok("restore", "latest", "rest");

        Path restoredRoot = dir.resolve("rest").resolve(live.root().toAbsolutePath().toString().substring(1));
        assertThat(Manifest.of(restoredRoot)).isEqualTo(before);
    }

    @Test
    void chunkSizeIsTakenFromTheConfiguration() throws Exception {
        obnam.configure("""
                roots: [live]
                chunk_size: 1
                """);
        obnam.initialised();
        live.file("data.dat", "abc");
        Manifest before = Manifest.of(live.root());

        String listed = obnam.ok("chunkify", "live/data.dat").stdout();
        assertThat(listed).as("indented").contains("{\n  \"filename\" : ");
        JsonNode chunks = JSON.readTree(listed);
        obnam.backup();
        obnam.ok("restore", "latest", "rest");

        assertThat(chunks).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(chunks.get(i).get("offset").asLong()).isEqualTo(i);
            assertThat(chunks.get(i).get("len").asLong()).isEqualTo(1);
        }
        assertThat(restored("rest", "live")).isEqualTo(before);
    }

    @Test
    void chunkifyWritesChunksAsItFindsThemSoManyFitASmallHeap() throws Exception {
        // About 17,000 chunks of at most 4 KiB: a list of them all, then one JSON string, ran an
        // 12 MiB heap out of memory.
        obnam.configure("""
                roots: [live]
                chunk_size: 4096
                """);
        live.randomFile("many.dat", 20_000_000);

        Result r = obnam.withEnv("OBNAM_MAX_HEAP", "12m").run("chunkify", "live/many.dat");

        r.expectExit(0);
        JsonNode chunks = JSON.readTree(r.stdout());
        assertThat(chunks.size()).isGreaterThan(10_000);
        long offset = 0;
        for (JsonNode c : chunks) {
            assertThat(c.get("offset").asLong()).isEqualTo(offset);
            assertThat(c.get("len").asLong()).isBetween(1L, 4096L);
            offset += c.get("len").asLong();
        }
        assertThat(offset).isEqualTo(20_000_000);
    }

    @Test
    void generationInformationIsShownAsJson() throws Exception {
        obnam.configure("roots: [live]");
        obnam.initialised();
        live.randomFile("data.dat", 12_345);
        live.file("sub/other.txt", "other");
        String gen = obnam.backup().generationId();
        int entries = obnam.ok("list-files").stdoutLines().size();

        Result info = obnam.ok("gen-info", "latest");
        Result shown = obnam.ok("show-generation");

        JsonNode json = JSON.readTree(info.stdout());
        assertThat(json.get("schema_version")).as(info.describe()).isEqualTo(JSON.readTree("{\"major\": 0, \"minor\": 0}"));
        assertThat(json.get("extras")).as(info.describe()).isEqualTo(JSON.readTree("{}"));
        assertThat(json.get("file_count").asLong()).as(info.describe()).isEqualTo(entries);
        assertThat(json.get("file_bytes").asLong()).as(info.describe()).isEqualTo(12_345 + 5);
        assertThat(json.get("db_bytes").asLong()).as(info.describe()).isPositive();
        assertThat(info.stdout()).contains(gen);
        assertThat(JSON.readTree(shown.stdout())).isEqualTo(json);
    }

    @Test
    void concurrentBackupsIntoOneRepositoryLoseNoGeneration() throws Exception {
        obnam.configure("roots: [live]");
        obnam.initialised();
        live.randomFile("data.dat", 200_000);
        live.randomFile("more.dat", 100_000);

        CompletableFuture<Result> first = CompletableFuture.supplyAsync(() -> obnam.runBackup());
        CompletableFuture<Result> second = CompletableFuture.supplyAsync(() -> obnam.runBackup());
        List<Result> both = List.of(first.get(), second.get());

        String listed = obnam.ok("list").stdout();
        int made = 0;
        for (Result r : both) {
            if (r.exitCode() == 0) {
                made++;
                assertThat(listed).as("generation of %s", r.describe()).contains(Obnam.Backup.of(r).generationId());
            } else {
                r.expectExit(1);
                assertThat(r.stderr().lines().filter(l -> !l.isBlank()).count()).as(r.describe()).isEqualTo(1);
            }
        }
        assertThat(made).as("at least one of two concurrent backups succeeds: %s", both).isPositive();
        assertThat(listed.lines().count()).isEqualTo(made);
        obnam.ok("restore", "latest", "rest");
        assertThat(dir.resolve("rest/live/data.dat")).hasSameBinaryContentAs(live.path("data.dat"));
    }

    @Test
    void oneThreadAndTheDefaultGiveTheSameListOfFiles() throws Exception {
        live.randomFile("a/one.dat", 300_000);
        live.randomFile("a/two.dat", 5_000);
        live.file("b/c/three.txt", "three");
        live.symlink("b/link", "../a/one.dat");
        live.dir("empty");
        Obnam single = obnam.withRepository(dir.resolve("repo-single")).withConfig(dir.resolve("single.yaml"))
                .configure("roots: [live]").initialised();
        Obnam parallel = obnam.withHome(dir.resolve("home-parallel")).withRepository(dir.resolve("repo-parallel"))
                .withConfig(dir.resolve("parallel.yaml")).configure("roots: [live]").initialised();
        Manifest before = Manifest.of(live.root());

        single.backup("--threads", "1");
        parallel.backup();

        Result one = single.ok("list-files");
        Result dflt = parallel.ok("list-files");
        assertThat(one.stdoutLines()).hasSize(9);
        assertThat(one.stdoutBytes()).as(one.describe() + dflt.describe()).isEqualTo(dflt.stdoutBytes());
        single.ok("restore", "latest", "rest");
        assertThat(restored("rest", "live")).isEqualTo(before);
        assertThat(Files.exists(dir.resolve("rest/live/empty"))).isTrue();
    }
}
