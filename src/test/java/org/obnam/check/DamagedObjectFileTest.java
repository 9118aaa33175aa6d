package org.obnam.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.backup.BackupOptions;
import org.obnam.backup.BackupRun;
import org.obnam.util.Progress;
import org.obnam.crypto.KdfParams;
import org.obnam.generation.SchemaVersion;
import org.obnam.repository.Repository;
import org.obnam.repository.TrustState;
import org.obnam.store.DirectoryStore;
import org.obnam.store.ObjectId;

/**
 * An object file that is cut short, emptied, or overwritten with something that is not an object
 * (a crash, a full disk, a bad copy) must not stop {@code check}: whichever object of a repository
 * it is, check names it and what is wrong with it, names what it affects (the files that use its
 * chunks, a generation's file list or record) or says that nothing uses it, and still checks every
 * other object. A stray file among the objects is a note, not a problem.
 */
@Timeout(600)
class DamagedObjectFileTest {
    @TempDir
    Path dir;

    private Path repoDir;
    private Repository.Unlocked keys;

    /** Two generations of a few files in 64 KiB chunks: packs of data, generation databases, records. */
    @BeforeEach
    void backUp() throws Exception {
        repoDir = dir.resolve("repo");
        try (DirectoryStore store = DirectoryStore.create(repoDir)) {
            keys = Repository.initialise(store, "pw", new KdfParams(64, 1, 1));
            Path live = dir.resolve("live");
            Files.createDirectories(live);
            Random r = new Random(7);
            for (int i = 0; i < 4; i++) {
                byte[] data = new byte[i == 0 ? 300_000 : 3000 + i * 700];
                r.nextBytes(data);
                Files.write(live.resolve("f" + i), data);
            }
            BackupOptions options = new BackupOptions(List.of(live.toString()), 64 << 10, true, SchemaVersion.V0, 2,
                    dir.resolve("scratch"), null);
            BackupRun.run(repository(store), options, Progress.NONE, w -> { });
            Files.writeString(live.resolve("f1"), "changed");
            BackupRun.run(repository(store), options, Progress.NONE, w -> { });
        }
    }

    private enum Damage {
        TRUNCATED("is truncated"), EMPTY("is empty"), NOT_AN_OBJECT_FILE("is not an Obnam object file");

        final String said;

        Damage(String said) {
            this.said = said;
        }

        void doTo(Path file) throws Exception {
            switch (this) {
                case TRUNCATED -> {
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                        ch.truncate(ch.size() / 2);
                    }
                }
                case EMPTY -> Files.write(file, new byte[0]);
                case NOT_AN_OBJECT_FILE -> Files.writeString(file, "this was saved over the object by mistake\n".repeat(3));
            }
        }
    }

    @Test
    void everyObjectDamagedInEachWayIsNamedWithWhatItAffectsAndTheRestIsStillChecked() throws Exception {
        CheckReport healthy = check(true);
        assertThat(healthy.problems()).isEmpty();
        List<Path> objectFiles = objectFiles();
        assertThat(objectFiles).as("records, databases and data packs").hasSizeGreaterThan(4);
        Map<Path, Integer> chunksIn = new java.util.HashMap<>();
        try (DirectoryStore store = DirectoryStore.open(repoDir)) {
            for (Path f : objectFiles) {
                chunksIn.put(f, store.info(new ObjectId(f.getFileName().toString())).meta().labels().size());
            }
        }

        for (Path file : objectFiles) {
            String id = file.getFileName().toString();
            byte[] original = Files.readAllBytes(file);
            for (Damage damage : Damage.values()) {
                damage.doTo(file);
                try {
                    for (boolean readData : new boolean[] {false, true}) {
                        String what = damage + " " + id + (readData ? " with --read-data" : "");
                        CheckReport report = check(readData);
                        assertThat(report.ok()).as(what).isFalse();
                        assertThat(report.problems()).as(what)
                                .anyMatch(p -> p.startsWith("object " + id + ": object " + id + " in " + repoDir)
                                        && p.contains(damage.said));
                        boolean affects = report.problems().stream()
                                .anyMatch(p -> p.startsWith("generation ") && p.contains("(object " + id + ")"));
                        boolean unused = report.notes().contains(
                                "damaged object " + id + " is not used by any generation: no backed-up file is affected");
                        assertThat(affects || unused).as(what + ": what it affects, or that nothing uses it: %s %s",
                                report.problems(), report.notes()).isTrue();
                        assertThat(report.summary()).as(what).contains(objectFiles.size() + " stored objects");
                        if (readData) {
                            assertThat(report.chunksVerified).as(what + ": every other object is read")
                                    .isEqualTo(healthy.chunksVerified - chunksIn.get(file));
                        }
                    }
                } finally {
                    Files.write(file, original);
                }
            }
        }
        assertThat(check(true).problems()).as("whole again").isEmpty();
    }

    @Test
    void aDamagedDataPackNamesEachFileOfEachGenerationThatUsesIt() throws Exception {
        Path biggest = objectFiles().stream().max(java.util.Comparator.comparingLong(DamagedObjectFileTest::size))
                .orElseThrow();
        String id = biggest.getFileName().toString();
        Damage.TRUNCATED.doTo(biggest);

        CheckReport report = check(false);
        assertThat(report.problems()).filteredOn(p -> p.contains("file " + dir.resolve("live/f0")))
                .as("f0 (unchanged) in both generations").hasSize(2)
                .allMatch(p -> p.endsWith("is damaged (object " + id + ")"));
        assertThat(report.problems()).filteredOn(p -> p.contains("file " + dir.resolve("live/f1") + ":"))
                .as("f1 only as the first backup had it: the second stored its new content elsewhere").hasSize(1);
    }

    @Test
    void strayFilesAmongTheObjectsAreNotedByPathAndAreNoProblem() throws Exception {
        Path some = objectFiles().getFirst();
        String fan = some.getParent().getFileName().toString();
        Path junk = repoDir.resolve("objects").resolve(fan.equals("00") ? "01" : "00").resolve("junk");
        Files.createDirectories(junk.getParent());
        Files.writeString(junk, "hi\n");
        Path swap = some.resolveSibling("." + some.getFileName() + ".swp");
        Files.writeString(swap, "an editor's leftover");

        for (boolean readData : new boolean[] {false, true}) {
            CheckReport report = check(readData);
            assertThat(report.problems()).isEmpty();
            assertThat(report.notes())
                    .contains("stray file " + junk + " is not an object (not in objects/ju/, where an object of that name is kept):"
                            + " Obnam does not use it")
                    .contains("stray file " + swap + " is not an object (its name is not an object id): Obnam does not use it");
        }
    }

    @Test
    void checkingDataOnManyThreadsReportsTheSameProblemsInTheSameOrderEveryTime() throws Exception {
        // Objects are read and verified on a pool; what they show is recorded in listing order.
        List<Path> files = objectFiles();
        List<String> damagedIds = new java.util.ArrayList<>();
        for (Path f : files.subList(0, Math.min(3, files.size()))) {
            byte[] content = Files.readAllBytes(f);
            content[content.length / 2] ^= 0x40; // inside metadata or body: the checksum fails
            Files.write(f, content);
            damagedIds.add(f.getFileName().toString());
        }
        CheckReport first = check(true);
        assertThat(first.ok()).isFalse();
        for (String id : damagedIds) {
            assertThat(first.problems()).as(id).anyMatch(p -> p.startsWith("object " + id + ": "));
        }
        for (int i = 0; i < 4; i++) {
            CheckReport again = check(true);
            assertThat(again.problems()).as("run %d", i + 2).isEqualTo(first.problems());
            assertThat(again.chunksVerified).isEqualTo(first.chunksVerified);
            assertThat(again.bytesVerified).isEqualTo(first.bytesVerified);
        }
    }

    @Test
    void checkingGenerationsOnManyThreadsReportsTheirProblemsInGenerationOrderEveryTime() throws Exception {
        // Generations are checked on a pool; what each shows is recorded in the generation list's order.
        try (DirectoryStore store = DirectoryStore.create(repoDir)) {
            BackupOptions options = new BackupOptions(List.of(dir.resolve("live").toString()), 64 << 10, true,
                    SchemaVersion.V0, 2, dir.resolve("scratch"), null);
            for (int i = 0; i < 4; i++) {
                Files.writeString(dir.resolve("live/f2"), "changed " + i);
                BackupRun.run(repository(store), options, Progress.NONE, w -> { });
            }
        }
        List<String> generations;
        try (DirectoryStore store = DirectoryStore.open(repoDir)) {
            generations = repository(store).generations().generations().stream().map(g -> g.id().value()).toList();
        }
        assertThat(generations).hasSize(6);
        // The object with the big unchanged file's chunks: every generation has a file that uses it.
        Path shared = null;
        for (Path f : objectFiles()) {
            byte[] before = Files.readAllBytes(f);
            Damage.TRUNCATED.doTo(f);
            long affected = generations.stream()
                    .filter(g -> problemsOf(g, uncheckedCheck()).anyMatch(p -> p.contains(": file ")))
                    .count();
            Files.write(f, before);
            if (affected == generations.size()) {
                shared = f;
                break;
            }
        }
        assertThat(shared).as("an object every generation uses").isNotNull();
        Damage.TRUNCATED.doTo(shared);

        CheckReport first = check(false);
        List<String> order = first.problems().stream().filter(p -> p.startsWith("generation "))
                .map(p -> p.substring("generation ".length(), p.indexOf(':'))).distinct().toList();
        assertThat(order).isEqualTo(generations);
        assertThat(first.generations).isEqualTo(6);
        for (int i = 0; i < 4; i++) {
            CheckReport again = check(false);
            assertThat(again.problems()).as("run %d", i + 2).isEqualTo(first.problems());
            assertThat(again.files).isEqualTo(first.files);
            assertThat(again.chunkReferences).isEqualTo(first.chunkReferences);
        }
    }

    private CheckReport uncheckedCheck() {
        try {
            return check(false);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Stream<String> problemsOf(String generation, CheckReport report) {
        return report.problems().stream().filter(p -> p.startsWith("generation " + generation + ": "));
    }

    private List<Path> objectFiles() throws Exception {
        try (Stream<Path> all = Files.walk(repoDir.resolve("objects"))) {
            return all.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Repository repository(DirectoryStore store) {
        return new Repository(store, keys.key(), keys.repositoryId(), new TrustState(dir.resolve("state")), 3);
    }

    /** A fresh check, as a new {@code obnam check} process would make; it must never give up. */
    private CheckReport check(boolean readData) throws Exception {
        try (DirectoryStore store = DirectoryStore.open(repoDir)) {
            return new Checker(repository(store), dir.resolve("scratch"), p -> { }).check(readData);
        }
    }
}
