package org.obnam.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.crypto.KdfParams;
import org.obnam.generation.GenerationReader;
import org.obnam.generation.SchemaVersion;
import org.obnam.generation.StoredEntry;
import org.obnam.repository.GenerationList;
import org.obnam.repository.Repository;
import org.obnam.repository.TrustState;
import org.obnam.restore.RestoreOutcome;
import org.obnam.restore.RestoreRun;
import org.obnam.store.DirectoryStore;
import org.obnam.store.ObjectDraft;
import org.obnam.store.ObjectId;
import org.obnam.store.ObjectMeta;
import org.obnam.store.Store;
import org.obnam.store.StoreException;
import org.obnam.util.Progress;

/**
 * The backup and restore pipelines in-process against a real directory store: many threads, many
 * tiny files, one big file, and failures injected into the store.
 */
@Timeout(120)
class BackupPipelineTest {
    @TempDir
    Path dir;

    private DirectoryStore store;
    private Repository.Unlocked keys;

    @BeforeEach
    void setUp() throws Exception {
        store = DirectoryStore.create(dir.resolve("repo"));
        keys = Repository.initialise(store, "pw", new KdfParams(64, 1, 1));
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
    }

    private Repository repo(Store s) {
        return new Repository(s, keys.key(), keys.repositoryId(), new TrustState(dir.resolve("state")), 3);
    }

    private BackupOutcome backup(Store s, Path root, int threads, int chunkSize) throws Exception {
        BackupOptions o = new BackupOptions(List.of(root.toString()), chunkSize, true, SchemaVersion.V0, threads,
                dir.resolve("scratch"), null);
        List<String> warnings = new ArrayList<>();
        BackupOutcome outcome = BackupRun.run(repo(s), o, Progress.NONE, warnings::add);
        assertThat(warnings).isEqualTo(outcome.warnings());
        return outcome;
    }

    private Path restore(GenerationList.Item gen) throws Exception {
        Path target = dir.resolve("restored-" + gen.id());
        RestoreOutcome out = RestoreRun.run(repo(store), gen, target, dir.resolve("scratch"), 8, p -> { });
        assertThat(out.failed()).isEmpty();
        return target;
    }

    private static Map<String, String> manifest(Path root) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.toList()) {
                String rel = root.relativize(p).toString();
                if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    m.put(rel, "file " + Files.size(p) + " " + HexFormat.of().formatHex(sha.digest(Files.readAllBytes(p)))
                            + " " + Files.getLastModifiedTime(p, java.nio.file.LinkOption.NOFOLLOW_LINKS).toInstant());
                } else if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    m.put(rel, "dir");
                }
            }
        }
        return m;
    }

    private static void write(Path p, byte[] data) throws IOException {
        Files.createDirectories(p.getParent());
        Files.write(p, data);
    }

    private Path manyTinyFiles(int count) throws IOException {
        Path root = dir.resolve("tiny");
        Random r = new Random(42);
        for (int i = 0; i < count; i++) {
            byte[] data = new byte[r.nextInt(2000)];
            r.nextBytes(data);
            if (i % 7 == 0) {
                data = ("same content " + (i % 3)).getBytes();
            }
            write(root.resolve("d" + (i % 37)).resolve("f" + i), data);
        }
        return root;
    }

    private List<String> listing(GenerationList.Item gen) throws Exception {
        Path db = dir.resolve("list-" + gen.id() + ".db");
        Repository r = repo(store);
        r.fetchDatabase(r.generation(gen), db);
        List<String> lines = new ArrayList<>();
        try (GenerationReader reader = GenerationReader.open(db)) {
            reader.forEach((StoredEntry e) -> lines.add(e.entry().path() + " " + e.chunks().stream()
                    .map(c -> c.label().hex()).toList()));
        }
        return lines;
    }

    @Test
    void thousandsOfTinyFilesBackUpAndRestoreWithAnyThreadCount() throws Exception {
        Path root = manyTinyFiles(3000);
        BackupOutcome one = backup(store, root, 1, 1 << 20);
        BackupOutcome many = backup(store, root, 16, 1 << 20);
        assertThat(one.fileCount()).isEqualTo(3000 + 38);
        assertThat(one.complete()).isTrue();
        // The generation's content does not depend on thread timing.
        assertThat(listing(many.generation())).isEqualTo(listing(one.generation()));
        assertThat(many.stats().filesUnchanged()).isEqualTo(3000);
        assertThat(manifest(restore(many.generation()).resolve(root.toString().substring(1)))).isEqualTo(manifest(root));
    }

    @Test
    void aRestoreOfThousandsOfTinyFilesReadsTheirPacksInAFewWindows() throws Exception {
        // The restore threads keep up with the thread creating the files: without reading entries
        // ahead, a span held little more than the chunk handed out last, and nearly every tiny
        // file cost a read of its own (a request each, over HTTPS); with a duplicate starting its
        // pack's span anew, the files between duplicates took 592 reads of 10.9 MB.
        Path root = manyTinyFiles(3000);
        BackupOutcome outcome = backup(store, root, 2, 1 << 20);
        List<Integer> reads = java.util.Collections.synchronizedList(new ArrayList<>());
        Store counting = new ForwardingStore(store) {
            @Override
            public void readRange(ObjectId id, long offset, int length, byte[] dest) throws StoreException {
                reads.add(length);
                super.readRange(id, offset, length, dest);
            }
        };
        Path target = dir.resolve("restored-windows");
        RestoreOutcome out = RestoreRun.run(repo(counting), outcome.generation(), target, dir.resolve("scratch"), 2, p -> { });
        assertThat(out.failed()).isEmpty();
        assertThat(manifest(target.resolve(root.toString().substring(1)))).isEqualTo(manifest(root));
        long bytes = reads.stream().mapToLong(Integer::longValue).sum();
        assertThat(reads).as("about 2.7 MB of chunks in windows of at most 1 MiB, %d bytes read", bytes).hasSizeLessThan(20);
        assertThat(bytes).isLessThan(4L << 20);
        assertThat(reads).allMatch(n -> n <= 1 << 20); // PackCache.WINDOW_BYTES
    }

    @Test
    void oneHugeFileIsSplitAcrossManyPacksAndRestored() throws Exception {
        Path root = dir.resolve("huge");
        byte[] data = new byte[48 << 20];
        new Random(7).nextBytes(data);
        System.arraycopy(data, 0, data, 24 << 20, 8 << 20); // a duplicated range
        write(root.resolve("big.bin"), data);
        BackupOutcome outcome = backup(store, root, 4, 256 << 10);
        assertThat(outcome.stats().chunksStored()).isGreaterThan(100);
        assertThat(outcome.stats().chunksDeduplicated()).isGreaterThan(10);
        assertThat(manifest(restore(outcome.generation()).resolve(root.toString().substring(1)))).isEqualTo(manifest(root));
    }

    @Test
    void anEditInTheMiddleOfABigFileStoresOnlyNearbyChunks() throws Exception {
        Path root = dir.resolve("edit");
        byte[] data = new byte[16 << 20];
        new Random(9).nextBytes(data);
        write(root.resolve("f"), data);
        BackupOutcome first = backup(store, root, 2, 256 << 10);
        byte[] edited = new byte[data.length + 100];
        System.arraycopy(data, 0, edited, 0, data.length / 2);
        System.arraycopy(data, data.length / 2, edited, data.length / 2 + 100, data.length / 2);
        write(root.resolve("f"), edited);
        BackupOutcome second = backup(store, root, 2, 256 << 10);
        assertThat(second.stats().chunksStored()).isLessThanOrEqualTo(4 + 2); // edit + database
        assertThat(second.stats().chunksDeduplicated()).isGreaterThan(first.stats().chunksStored() - 10);
    }

    /** A store whose puts start failing after a number of successes. */
    private static final class FailingStore extends ForwardingStore {
        private final AtomicInteger putsLeft;

        FailingStore(Store delegate, int successfulPuts) {
            super(delegate);
            this.putsLeft = new AtomicInteger(successfulPuts);
        }

        @Override
        public ObjectId put(ObjectMeta meta, byte[] buffer, int length) throws StoreException {
            if (putsLeft.getAndDecrement() <= 0) {
                throw new StoreException("injected failure: disk full");
            }
            return super.put(meta, buffer, length);
        }
    }

    @Test
    void aFailingStoreStopsTheBackupWithItsErrorAndAddsNoGeneration() throws Exception {
        Path root = manyTinyFiles(2000);
        for (int successes : new int[] {0, 1, 3}) {
            Store failing = new FailingStore(store, successes);
            assertThatThrownBy(() -> backup(failing, root, 8, 64 << 10))
                    .isInstanceOf(BackupException.class).hasMessageContaining("injected failure");
            assertThat(repo(store).generations().generations()).isEmpty();
        }
        // The repository is still good: a normal backup works and reuses what was stored.
        BackupOutcome ok = backup(store, root, 8, 64 << 10);
        assertThat(manifest(restore(ok.generation()).resolve(root.toString().substring(1)))).isEqualTo(manifest(root));
    }

    /** A store whose packs are drafts written to disk as they fill, with a hook on each draft write and commit. */
    private static class HookedDraftStore extends ForwardingStore {
        private final Store delegate;

        HookedDraftStore(Store delegate) {
            super(delegate);
            this.delegate = delegate;
        }

        void beforeWrite(long offset, int length) throws StoreException {}

        void beforeCommit() throws StoreException {}

        @Override
        public boolean draftsInMemory() {
            return delegate.draftsInMemory();
        }

        @Override
        public ObjectDraft draft() throws StoreException {
            ObjectDraft inner = delegate.draft();
            return new ObjectDraft() {
                @Override
                public void write(long offset, byte[] data, int from, int length) throws StoreException {
                    beforeWrite(offset, length);
                    inner.write(offset, data, from, length);
                }

                @Override
                public ObjectId commit(ObjectMeta meta, long bodyLength) throws StoreException {
                    beforeCommit();
                    return inner.commit(meta, bodyLength);
                }

                @Override
                public void close() {
                    inner.close();
                }
            };
        }
    }

    private Path smallAndLargeFiles(String name, int count) throws IOException {
        Path root = dir.resolve(name);
        Random r = new Random(17);
        for (int i = 0; i < count; i++) {
            byte[] data = new byte[i % 25 == 0 ? (1 << 20) + r.nextInt(3 << 20) : i % 9 == 0 ? 100_000 + r.nextInt(300_000)
                    : r.nextInt(20_000)];
            r.nextBytes(data);
            write(root.resolve("d" + i % 5).resolve("f" + i), data);
        }
        return root;
    }

    private List<Path> draftFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("repo/tmp"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    @Test
    void aPackWriteFailingPartWayStopsTheBackupAndLeavesNoDraftBehind() throws Exception {
        Path root = smallAndLargeFiles("mixed", 300);
        for (int successes : new int[] {0, 7, 60}) {
            AtomicInteger writesLeft = new AtomicInteger(successes);
            Store failing = new HookedDraftStore(store) {
                @Override
                void beforeWrite(long offset, int length) throws StoreException {
                    if (writesLeft.getAndDecrement() <= 0) {
                        throw new StoreException("injected failure: disk full at offset " + offset);
                    }
                }
            };
            assertThatThrownBy(() -> backup(failing, root, 4, 1 << 20))
                    .isInstanceOf(BackupException.class).hasMessageContaining("injected failure");
            assertThat(repo(store).generations().generations()).isEmpty();
            assertThat(draftFiles()).isEmpty();
        }
        BackupOutcome ok = backup(store, root, 4, 1 << 20);
        assertThat(manifest(restore(ok.generation()).resolve(root.toString().substring(1)))).isEqualTo(manifest(root));
        assertThat(draftFiles()).isEmpty();
    }

    @Test
    void slowPackCommitsWithSmallAndLargeBlobsNeitherHangNorLoseChunks() throws Exception {
        // Slow commits keep every pack open, so encoders wait for a pack while others still write
        // staged windows of small blobs: nothing may deadlock, and every blob must land in place.
        Path root = smallAndLargeFiles("mixed", 400);
        for (int threads : new int[] {1, 2, 5}) {
            store.close();
            store = DirectoryStore.create(dir.resolve("repo-" + threads));
            keys = Repository.initialise(store, "pw", new KdfParams(64, 1, 1));
            Store slow = new HookedDraftStore(store) {
                @Override
                void beforeCommit() throws StoreException {
                    try {
                        Thread.sleep(30);
                    } catch (InterruptedException e) {
                        throw new StoreException("interrupted");
                    }
                }
            };
            BackupOutcome outcome = backup(slow, root, threads, 1 << 20);
            assertThat(outcome.stats().chunksStored()).isGreaterThan(400);
            assertThat(manifest(restore(outcome.generation()).resolve(root.toString().substring(1))))
                    .isEqualTo(manifest(root));
        }
    }

    @Test
    void slowUploadsWithManyEncodersNeitherHangNorLoseChunks() throws Exception {
        // Uploads slower than encoding keep every pack buffer busy, so encoders wait for buffers:
        // the pipeline must neither deadlock nor drop a pack while they do.
        Path root = dir.resolve("mixed");
        Random r = new Random(11);
        for (int i = 0; i < 400; i++) {
            byte[] data = new byte[i % 20 == 0 ? (3 << 20) + r.nextInt(1 << 20) : r.nextInt(20_000)];
            r.nextBytes(data);
            write(root.resolve("d" + i % 7).resolve("f" + i), data);
        }
        for (int threads : new int[] {2, 3}) {
            // a fresh repository each time, so every chunk is stored again
            store.close();
            store = DirectoryStore.create(dir.resolve("repo-" + threads));
            keys = Repository.initialise(store, "pw", new KdfParams(64, 1, 1));
            Store slow = new ForwardingStore(store) {
                @Override
                public ObjectId put(ObjectMeta meta, byte[] buffer, int length) throws StoreException {
                    try {
                        Thread.sleep(30);
                    } catch (InterruptedException e) {
                        throw new StoreException("interrupted");
                    }
                    return super.put(meta, buffer, length);
                }
            };
            BackupOutcome outcome = backup(slow, root, threads, 1 << 20);
            assertThat(manifest(restore(outcome.generation()).resolve(root.toString().substring(1))))
                    .isEqualTo(manifest(root));
        }
    }

    @Test
    void aFailingLookupStopsTheBackup() throws Exception {
        Path root = manyTinyFiles(500);
        Store failing = new ForwardingStore(store) {
            @Override
            public Map<String, org.obnam.store.ObjectLocation> findLabels(java.util.Collection<String> labels)
                    throws StoreException {
                throw new StoreException("injected lookup failure");
            }
        };
        assertThatThrownBy(() -> backup(failing, root, 4, 1 << 20)).hasMessageContaining("injected lookup failure");
        assertThat(repo(store).generations().generations()).isEmpty();
    }

    @Test
    void aFileWithTheBytesOfAGenerationDatabaseRestores() throws Exception {
        // Backing up a home directory reads the scratch copy of the previous generation's database:
        // its chunks must not be mistaken for file data (they are stored as another kind).
        Path root = dir.resolve("home");
        write(root.resolve("notes.txt"), "notes".getBytes());
        BackupOutcome first = backup(store, root, 2, 1 << 20);
        Repository r = repo(store);
        r.fetchDatabase(r.generation(first.generation()), root.resolve("copy-of-previous.db"));
        BackupOutcome second = backup(store, root, 2, 1 << 20);
        assertThat(manifest(restore(second.generation()).resolve(root.toString().substring(1)))).isEqualTo(manifest(root));
    }

    @Test
    void aFlippedByteInAPackOfSmallFilesFailsOnlyTheFileItHits() throws Exception {
        Path root = dir.resolve("small");
        Random r = new Random(3);
        for (int i = 0; i < 40; i++) {
            byte[] data = new byte[4000];
            r.nextBytes(data);
            write(root.resolve("f" + i), data);
        }
        BackupOutcome outcome = backup(store, root, 2, 1 << 20);
        // The largest object is the pack holding the 40 files; flip a byte in its middle.
        Path pack;
        try (Stream<Path> files = Files.walk(dir.resolve("repo/objects"))) {
            pack = files.filter(Files::isRegularFile).max(java.util.Comparator.comparingLong(p -> p.toFile().length()))
                    .orElseThrow();
        }
        byte[] content = Files.readAllBytes(pack);
        content[content.length / 2] ^= 0x10;
        Files.write(pack, content);
        Path target = dir.resolve("restored-damaged");
        List<String> problems = new ArrayList<>();
        RestoreOutcome out = RestoreRun.run(repo(store), outcome.generation(), target, dir.resolve("scratch"), 4,
                problems::add);
        assertThat(out.failed()).hasSize(1);
        Path restored = target.resolve(root.toString().substring(1));
        try (Stream<Path> files = Files.list(restored)) {
            List<Path> left = files.toList();
            assertThat(left).hasSize(39);
            for (Path f : left) {
                assertThat(Files.readAllBytes(f)).isEqualTo(Files.readAllBytes(root.resolve(f.getFileName().toString())));
            }
        }
    }

    @Test
    void anErrorWhileReadingAChunkFailsItsFileInsteadOfLeavingAHole() throws Exception {
        // Out of memory in a restore thread used to escape the task: the chunk was never written,
        // the file kept a hole of zeros, and the restore reported success.
        Path root = dir.resolve("big");
        Random r = new Random(11);
        for (int i = 0; i < 3; i++) {
            byte[] data = new byte[3 << 20];
            r.nextBytes(data);
            write(root.resolve("f" + i), data);
        }
        BackupOutcome outcome = backup(store, root, 2, 1 << 20);
        AtomicInteger reads = new AtomicInteger();
        Store failing = new ForwardingStore(store) {
            @Override
            public byte[] getRange(ObjectId id, long offset, int length) throws StoreException {
                maybeFail(length);
                return super.getRange(id, offset, length);
            }

            @Override
            public void readRange(ObjectId id, long offset, int length, byte[] dest) throws StoreException {
                maybeFail(length);
                super.readRange(id, offset, length, dest);
            }

            private void maybeFail(int length) {
                if (length > (256 << 10) && reads.incrementAndGet() == 4) {
                    throw new OutOfMemoryError("Java heap space (injected)");
                }
            }
        };
        Path target = dir.resolve("restored-error");
        List<String> problems = new ArrayList<>();
        RestoreOutcome out = RestoreRun.run(repo(failing), outcome.generation(), target, dir.resolve("scratch"), 4,
                problems::add);
        assertThat(reads.get()).isGreaterThanOrEqualTo(4);
        assertThat(out.complete()).isFalse();
        assertThat(out.failed()).hasSize(1).allMatch(m -> m.contains("out of memory"));
        Path restored = target.resolve(root.toString().substring(1));
        try (Stream<Path> files = Files.list(restored)) {
            List<Path> left = files.toList();
            assertThat(left).hasSize(2);
            for (Path f : left) {
                assertThat(Files.readAllBytes(f)).isEqualTo(Files.readAllBytes(root.resolve(f.getFileName().toString())));
            }
        }
    }

    @Test
    void emptyTreeAndEmptyFiles() throws Exception {
        Path root = dir.resolve("empty");
        Files.createDirectories(root.resolve("sub"));
        Files.write(root.resolve("zero"), new byte[0]);
        BackupOutcome outcome = backup(store, root, 2, 1 << 20);
        assertThat(outcome.fileCount()).isEqualTo(3);
        assertThat(manifest(restore(outcome.generation()).resolve(root.toString().substring(1)))).isEqualTo(manifest(root));
    }
}
