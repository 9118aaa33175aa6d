package org.obnam.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
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

/**
 * A single flipped byte anywhere in what a repository stores must make {@code check --read-data}
 * fail: every byte of the small files (records, the store's marker), and bytes spread over every
 * object (headers, metadata, and the bodies of packs holding file data and generation
 * databases). The label index is left out: it is a cache, rebuilt from the objects, and what it
 * says is verified against them whenever it is used.
 */
@Timeout(600)
class EveryFlippedByteTest {
    private static final int SAMPLES_PER_BIG_FILE = 96;

    @TempDir
    Path dir;

    @Test
    void checkWithReadDataDetectsAFlippedByteAnywhereInTheRepository() throws Exception {
        Path repoDir = dir.resolve("repo");
        Repository.Unlocked keys;
        try (DirectoryStore store = DirectoryStore.create(repoDir)) {
            keys = Repository.initialise(store, "pw", new KdfParams(64, 1, 1));
            Path live = dir.resolve("live");
            Random r = new Random(5);
            for (int i = 0; i < 6; i++) {
                byte[] data = new byte[i == 0 ? 300_000 : 2000 + i * 500];
                r.nextBytes(data);
                Files.createDirectories(live);
                Files.write(live.resolve("f" + i), data);
            }
            BackupOptions options = new BackupOptions(List.of(live.toString()), 64 << 10, true, SchemaVersion.V0, 2,
                    dir.resolve("scratch"), null);
            BackupRun.run(repository(store, keys), options, Progress.NONE, w -> { });
            Files.writeString(live.resolve("f1"), "changed");
            BackupRun.run(repository(store, keys), options, Progress.NONE, w -> { });
        }
        assertThat(check(repoDir, keys)).as("the undamaged repository checks clean").isTrue();

        List<Path> files;
        try (Stream<Path> all = Files.walk(repoDir)) {
            files = all.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("index.sqlite"))
                    .filter(p -> !repoDir.relativize(p).startsWith("tmp"))
                    .sorted().toList();
        }
        assertThat(files).as("records, objects and the store marker")
                .anyMatch(p -> repoDir.relativize(p).startsWith("records"))
                .anyMatch(p -> repoDir.relativize(p).startsWith("objects"))
                .anyMatch(p -> p.getFileName().toString().equals("obnam-store.json"));

        List<String> undetected = new ArrayList<>();
        int flips = 0;
        Random where = new Random(6);
        for (Path file : files) {
            byte[] original = Files.readAllBytes(file);
            for (int position : positions(original.length, where)) {
                byte[] damaged = original.clone();
                damaged[position] ^= (byte) (1 << where.nextInt(8));
                Files.write(file, damaged);
                flips++;
                try {
                    if (check(repoDir, keys)) {
                        undetected.add(repoDir.relativize(file) + " at byte " + position);
                    }
                } finally {
                    Files.write(file, original);
                }
            }
        }
        assertThat(undetected).as("flipped bytes that check --read-data did not notice, of %d", flips).isEmpty();
        assertThat(flips).isGreaterThan(500);
        assertThat(check(repoDir, keys)).as("the repository checks clean again").isTrue();
    }

    /** Every byte of a small file; for a big one, its first 256 bytes and samples over the rest. */
    private static List<Integer> positions(int length, Random r) {
        List<Integer> p = new ArrayList<>();
        if (length <= 1024) {
            for (int i = 0; i < length; i++) {
                p.add(i);
            }
            return p;
        }
        for (int i = 0; i < 256; i += 3) {
            p.add(i);
        }
        for (int i = 0; i < SAMPLES_PER_BIG_FILE; i++) {
            p.add(256 + r.nextInt(length - 256));
        }
        p.add(length - 1);
        return p;
    }

    private Repository repository(DirectoryStore store, Repository.Unlocked keys) {
        return new Repository(store, keys.key(), keys.repositoryId(), new TrustState(dir.resolve("state")), 3);
    }

    /** Opens the repository afresh, as a new {@code obnam check --read-data} would: true when all is well. */
    private boolean check(Path repoDir, Repository.Unlocked keys) throws IOException {
        try (DirectoryStore store = DirectoryStore.open(repoDir)) {
            return new Checker(repository(store, keys), dir.resolve("scratch"), p -> { }).check(true).ok();
        } catch (Exception e) {
            return false; // refused outright: detected
        }
    }
}
