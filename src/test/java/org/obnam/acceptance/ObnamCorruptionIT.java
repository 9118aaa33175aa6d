package org.obnam.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.ExternalCommand.Result;
import org.obnam.testing.Obnam;
import org.obnam.testing.Tree;

/**
 * Rust Obnam's "Checksum verification", what DESIGN section 2 asks of a restore that meets a
 * damaged or missing chunk (that file fails and is named, everything else is still restored),
 * {@code obnam check} finding such damage, and DESIGN section 7's refusal of a repository rolled
 * back to an older state. The damage is done to the
 * repository's files directly (DIR/objects/xx/ID), as disk rot or a hostile copy would.
 */
class ObnamCorruptionIT {
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

    private Path objectFile(String id) {
        return obnam.repository().resolve("objects").resolve(id.substring(0, 2)).resolve(id);
    }

    private List<Path> objectFiles() throws IOException {
        try (Stream<Path> all = Files.walk(obnam.repository().resolve("objects"))) {
            return all.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void getChunkVerifiesTheChunkItFetches() throws Exception {
        live.randomFile("data.dat", 1000);
        String gen = obnam.backup().generationId();

        Result good = obnam.run("get-chunk", gen);
        good.expectExit(0);
        assertThat(good.stdoutBytes()).isNotEmpty();

        Path object = objectFile(gen);
        assertThat(object).as("the generation's object file").exists();
        flipByteInTheMiddle(object);
        Result flipped = obnam.run("get-chunk", gen);
        flipped.expectFailure();
        assertThat(flipped.stdoutBytes()).as("nothing unverified may be written out").isEmpty();

        Files.delete(object);
        Files.write(object, new byte[0]);
        Result empty = obnam.run("get-chunk", gen);
        empty.expectFailure();
        assertThat(empty.stdoutBytes()).as("nothing unverified may be written out").isEmpty();
    }

    /**
     * Live data whose one big file is nearly all of whatever stored object holds it: the other
     * files together are under 16 KiB, so any object over 128 KiB is mostly the victim's data.
     */
    private byte[] liveDataWithOneBigFile() {
        byte[] victim = writeVictim();
        smallFiles();
        return victim;
    }

    private byte[] writeVictim() {
        byte[] victim = Tree.randomBytes(512 * 1024);
        live.file("victim.dat", victim);
        return victim;
    }

    private void smallFiles() {
        live.file("a-small.dat", Tree.randomBytes(3000));
        live.file("z/small.dat", Tree.randomBytes(4000));
        live.symlink("link", "victim.dat");
    }

    private List<Path> objectsHoldingTheVictim() throws IOException {
        List<Path> big = objectFiles().stream().filter(p -> size(p) > 128 * 1024).toList();
        assertThat(big).as("objects holding the victim's data").isNotEmpty();
        return big;
    }

    private void assertEverythingButTheVictimRestored(Result restore, byte[] victim) throws IOException {
        restore.expectExit(1);
        assertThat(restore.stderr()).as(restore.describe()).contains("victim.dat");
        assertThat(dir.resolve("rest/live/a-small.dat")).hasSameBinaryContentAs(live.path("a-small.dat"));
        assertThat(dir.resolve("rest/live/z/small.dat")).hasSameBinaryContentAs(live.path("z/small.dat"));
        assertThat(Files.isSymbolicLink(dir.resolve("rest/live/link"))).as("symlink restored").isTrue();
        Path damaged = dir.resolve("rest/live/victim.dat");
        if (Files.exists(damaged)) {
            assertThat(damaged).as("a damaged file may not be left in place with wrong content").hasBinaryContent(victim);
        }
    }

    @Test
    void damagedChunkIsFoundByCheckAndFailsOnlyItsFileOnRestore() throws Exception {
        byte[] victim = liveDataWithOneBigFile();
        obnam.backup();
        Result healthy = obnam.ok("check", "--read-data");
        assertThat(healthy.stdout()).as(healthy.describe()).doesNotContain("damaged");

        for (Path p : objectsHoldingTheVictim()) {
            flipByteInTheMiddle(p);
        }
        Result check = obnam.run("check", "--read-data");
        Result restore = obnam.run("restore", "latest", "rest");

        check.expectExit(1);
        assertThat(check.stdout()).as(check.describe()).contains("victim.dat").doesNotContain("a-small.dat");
        assertEverythingButTheVictimRestored(restore, victim);
    }

    @Test
    void missingChunkIsFoundByCheckAndFailsOnlyItsFileOnRestore() throws Exception {
        // Objects are packs of many chunks, so to lose the victim's chunks and nothing else, the
        // victim is backed up first, alone; the second backup stores the other files in new
        // objects and reuses the victim's (unchanged) chunks.
        byte[] victim = writeVictim();
        obnam.backup();
        List<Path> victimObjects = objectsHoldingTheVictim();
        smallFiles();
        obnam.backup();
        obnam.ok("check");

        for (Path p : victimObjects) {
            Files.delete(p);
        }
        Result check = obnam.run("check");
        Result restore = obnam.run("restore", "latest", "rest");

        check.expectExit(1);
        assertThat(check.stdout()).as(check.describe()).contains("victim.dat").doesNotContain("a-small.dat");
        assertEverythingButTheVictimRestored(restore, victim);
    }

    @Test
    void repositoryRolledBackToAnOlderStateIsRefused() throws Exception {
        live.randomFile("data.dat", 1000);
        String gen1 = obnam.backup().generationId();
        Path snapshot = dir.resolve("repo-snapshot");
        copyTree(obnam.repository(), snapshot);
        live.randomFile("more.dat", 1000);
        obnam.backup();

        deleteTree(obnam.repository());
        copyTree(snapshot, obnam.repository());
        Result r = obnam.run("list");

        r.expectFailure();
        assertThat(r.stderr()).as(r.describe()).isNotBlank();
        assertThat(r.stdout()).as("an old generation list may not be used silently").doesNotContain(gen1);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path src : all.toList()) {
                Files.copy(src, to.resolve(from.relativize(src).toString()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    private static void deleteTree(Path top) throws IOException {
        try (Stream<Path> all = Files.walk(top)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void flipByteInTheMiddle(Path file) throws IOException {
        file.toFile().setWritable(true);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            long middle = f.length() / 2;
            f.seek(middle);
            int b = f.read();
            f.seek(middle);
            f.write(b ^ 0x40);
        }
    }
}
