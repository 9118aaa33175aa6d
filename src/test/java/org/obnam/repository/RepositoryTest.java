package org.obnam.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.crypto.ChunkKind;
import org.obnam.crypto.KdfParams;
import org.obnam.crypto.Label;
import org.obnam.crypto.WrongPassphraseException;
import org.obnam.generation.ChunkRef;
import org.obnam.generation.SchemaVersion;
import org.obnam.store.DirectoryStore;
import org.obnam.store.ObjectDraft;
import org.obnam.store.ObjectId;
import org.obnam.store.StoredRecord;

class RepositoryTest {
    private static final KdfParams FAST = new KdfParams(64, 1, 1);

    @TempDir
    Path dir;

    private DirectoryStore store;

    @BeforeEach
    void setUp() throws Exception {
        store = DirectoryStore.create(dir.resolve("repo"));
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
    }

    private Repository open(Repository.Unlocked u, String stateDir) {
        return new Repository(store, u.key(), u.repositoryId(), new TrustState(dir.resolve(stateDir)), 3);
    }

    private static GenerationRecord record(long files) {
        return new GenerationRecord(SchemaVersion.V0, Instant.now(), Instant.now(), files, 0, 0, List.of());
    }

    @Test
    void initCreatesKeysOnceAndUnlocksWithTheSamePassphrase() throws Exception {
        Repository.Unlocked first = Repository.initialise(store, "pw", FAST);
        assertThat(first.created()).isTrue();
        Repository.Unlocked second = Repository.initialise(store, "pw", FAST);
        assertThat(second.created()).isFalse();
        assertThat(second.key()).isEqualTo(first.key());
        assertThat(second.repositoryId()).isEqualTo(first.repositoryId());
        assertThatThrownBy(() -> Repository.initialise(store, "wrong", FAST)).isInstanceOf(WrongPassphraseException.class);
    }

    @Test
    void keyRecordOfAnUninitialisedRepositorySaysToRunInit() {
        assertThatThrownBy(() -> Repository.keyRecord(store))
                .isInstanceOf(RepositoryException.NotInitialised.class).hasMessageContaining("obnam init");
    }

    @Test
    void passphraseChangeKeepsTheKeyAndRetiresTheOldPassphrase() throws Exception {
        Repository.Unlocked u = Repository.initialise(store, "old", FAST);
        Repository.changePassphrase(store, u.key(), "new", FAST);
        assertThat(Repository.initialise(store, "new", FAST).key()).isEqualTo(u.key());
        assertThatThrownBy(() -> Repository.initialise(store, "old", FAST)).isInstanceOf(WrongPassphraseException.class);
    }

    @Test
    void committedGenerationsAreListedInOrderAndResolvable() throws Exception {
        Repository repo = open(Repository.initialise(store, "pw", FAST), "state");
        GenerationList.Item a = repo.commitGeneration(record(1));
        GenerationList.Item b = repo.commitGeneration(record(2));
        GenerationList list = repo.generations();
        assertThat(list.generations()).containsExactly(a, b);
        assertThat(list.counter()).isEqualTo(2);
        assertThat(list.resolve("latest")).isEqualTo(b);
        assertThat(list.resolve(a.id().value())).isEqualTo(a);
        assertThat(list.resolve(b.id().value().substring(0, 12))).isEqualTo(b);
        assertThatThrownBy(() -> list.resolve("zzz")).hasMessageContaining("no generation matches");
        assertThat(repo.generation(b).fileCount()).isEqualTo(2);
    }

    @Test
    void emptyGenerationReferenceIsRefusedEvenWhenOneGenerationWouldMatch() throws Exception {
        Repository repo = open(Repository.initialise(store, "pw", FAST), "state");
        repo.commitGeneration(record(1));
        GenerationList list = repo.generations();

        for (String ref : new String[] {"", " "}) {
            assertThatThrownBy(() -> list.resolve(ref)).as("'" + ref + "'")
                    .isInstanceOf(RepositoryException.BadReference.class)
                    .hasMessageContaining("must not be empty");
        }
    }

    @Test
    void emptyRepositoryHasNoLatest() throws Exception {
        Repository repo = open(Repository.initialise(store, "pw", FAST), "state");
        assertThatThrownBy(() -> repo.generations().resolve("latest")).hasMessageContaining("no backups");
    }

    @Test
    void anOlderGenerationListIsRefusedAsRollback() throws Exception {
        Repository repo = open(Repository.initialise(store, "pw", FAST), "state");
        repo.commitGeneration(record(1));
        StoredRecord old = store.getRecord(Repository.GENERATIONS_RECORD).orElseThrow();
        repo.commitGeneration(record(2));
        // An attacker (or a restored old copy of the storage) puts the old list back.
        long v = store.getRecord(Repository.GENERATIONS_RECORD).orElseThrow().version();
        store.compareAndSetRecord(Repository.GENERATIONS_RECORD, v, old.body());
        assertThatThrownBy(repo::generations).isInstanceOf(RepositoryException.Rollback.class)
                .hasMessageContaining("rolled back");
        // A client that never saw the newer list (fresh state) accepts it: trust on first use.
        assertThat(open(Repository.initialise(store, "pw", FAST), "fresh-state").generations().counter()).isEqualTo(1);
    }

    @Test
    void aGenerationListFromAnotherKeyIsRefused() throws Exception {
        Repository repo = open(Repository.initialise(store, "pw", FAST), "state");
        repo.commitGeneration(record(1));
        try (DirectoryStore other = DirectoryStore.create(dir.resolve("other"))) {
            Repository.Unlocked ou = Repository.initialise(other, "pw", FAST);
            Repository otherRepo = new Repository(other, ou.key(), ou.repositoryId(), new TrustState(dir.resolve("s2")), 3);
            otherRepo.commitGeneration(record(9));
            byte[] foreign = other.getRecord(Repository.GENERATIONS_RECORD).orElseThrow().body();
            long v = store.getRecord(Repository.GENERATIONS_RECORD).orElseThrow().version();
            store.compareAndSetRecord(Repository.GENERATIONS_RECORD, v, foreign);
        }
        assertThatThrownBy(repo::generations).hasMessageContaining("cannot be trusted");
    }

    @Test
    void theGenerationListIsStoredCompressedAndReadBackInOrder() throws Exception {
        Repository repo = open(Repository.initialise(store, "pw", FAST), "state");
        for (int i = 1; i <= 40; i++) {
            repo.commitGeneration(record(i));
        }
        byte[] body = store.getRecord(Repository.GENERATIONS_RECORD).orElseThrow().body();
        GenerationList read = open(Repository.initialise(store, "pw", FAST), "other-state").generations();

        assertThat(body[1]).as("blob flags: a zstd frame inside").isEqualTo((byte) ChunkCodec.ZSTD);
        assertThat(body.length).isLessThan(read.toJson().length / 2);
        assertThat(read.counter()).isEqualTo(40);
        assertThat(read.generations()).isEqualTo(repo.generations().generations());
        assertThat(read.generations()).extracting(GenerationList.Item::fileCount)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 40).boxed().toList());
    }

    @Test
    void aGenerationListStoredUncompressedIsReadAndWithoutCompressionOneIsWrittenSo() throws Exception {
        Repository.Unlocked u = Repository.initialise(store, "pw", FAST);
        Repository uncompressing = new Repository(store, u.key(), u.repositoryId(), new TrustState(dir.resolve("s0")), 0);
        for (int i = 1; i <= 10; i++) {
            uncompressing.commitGeneration(record(i));
        }
        assertThat(store.getRecord(Repository.GENERATIONS_RECORD).orElseThrow().body()[1]).isZero();

        Repository compressing = open(u, "state");
        assertThat(compressing.generations().generations()).hasSize(10);
        compressing.commitGeneration(record(11));
        assertThat(uncompressing.generations().generations()).extracting(GenerationList.Item::fileCount)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 11).boxed().toList());
    }

    @Test
    void aGenerationListInAnUnknownEncodingOrDamagedFormIsRefusedByNameInOneLine() throws Exception {
        Repository.Unlocked u = Repository.initialise(store, "pw", FAST);
        Repository repo = open(u, "state");
        byte[] json = GenerationList.empty().with(repo.commitGeneration(record(1))).toJson();
        byte[] context = "record:generations".getBytes(StandardCharsets.UTF_8);

        replaceGenerationList(u.key().cipher().seal(ChunkKind.GENERATION_LIST, context, 2, json));
        assertThatThrownBy(repo::generations).isInstanceOf(RepositoryException.class)
                .hasMessage("the generation list uses an encoding this Obnam does not know: upgrade Obnam");

        replaceGenerationList(u.key().cipher().seal(ChunkKind.GENERATION_LIST, context, ChunkCodec.ZSTD, json));
        assertThatThrownBy(repo::generations).isInstanceOf(RepositoryException.class)
                .hasMessage("the generation list has a damaged compressed form");

        replaceGenerationList(u.key().cipher().seal(ChunkKind.GENERATION_LIST, context, 0, "(\n".getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(repo::generations).isInstanceOf(RepositoryException.class)
                .hasMessageStartingWith("the generation list is damaged: Unexpected character").hasMessageNotContaining("\n");
    }

    private void replaceGenerationList(byte[] body) throws Exception {
        long v = store.getRecord(Repository.GENERATIONS_RECORD).orElseThrow().version();
        store.compareAndSetRecord(Repository.GENERATIONS_RECORD, v, body);
    }

    @Test
    void chunksRoundTripAndAChunkServedUnderAnotherLabelFails() throws Exception {
        Repository repo = open(Repository.initialise(store, "pw", FAST), "state");
        byte[] one = "first chunk of data, compressible compressible compressible".repeat(10).getBytes(StandardCharsets.UTF_8);
        byte[] two = new byte[5000];
        new Random(1).nextBytes(two);
        ChunkCodec codec = repo.codec();
        Label l1 = codec.label(ChunkKind.DATA, one, 0, one.length);
        Label l2 = codec.label(ChunkKind.DATA, two, 0, two.length);
        PackLayout pack = new PackLayout();
        byte[] b1 = codec.encode(ChunkKind.DATA, l1, one, 0, one.length);
        byte[] b2 = codec.encode(ChunkKind.DATA, l2, two, 0, two.length);
        assertThat(b1.length).isLessThan(one.length); // compressed
        long o1 = pack.reserve(l1, b1.length);
        long o2 = pack.reserve(l2, b2.length);
        ObjectId id;
        try (ObjectDraft draft = store.draft()) {
            draft.write(o2, b2, 0, b2.length);
            draft.write(o1, b1, 0, b1.length);
            id = draft.commit(pack.meta(), pack.size());
        }
        ChunkRef r1 = new ChunkRef(l1, id, o1, b1.length, one.length);
        ChunkRef r2 = new ChunkRef(l2, id, o2, b2.length, two.length);
        assertThat(repo.readChunk(ChunkKind.DATA, r1)).isEqualTo(one);
        assertThat(repo.readChunk(ChunkKind.DATA, r2)).isEqualTo(two);
        ChunkRef swapped = new ChunkRef(l1, id, o2, b2.length, one.length);
        assertThatThrownBy(() -> repo.readChunk(ChunkKind.DATA, swapped)).isInstanceOf(CorruptChunkException.class);
        assertThatThrownBy(() -> repo.readChunk(ChunkKind.GENERATION_DB, r1)).isInstanceOf(CorruptChunkException.class);
    }

    @Test
    void equalBytesOfDifferentKindsGetDifferentLabels() throws Exception {
        Repository repo = open(Repository.initialise(store, "pw", FAST), "state");
        byte[] data = "the same bytes".getBytes(StandardCharsets.UTF_8);
        Label asData = repo.codec().label(ChunkKind.DATA, data, 0, data.length);
        Label asDatabase = repo.codec().label(ChunkKind.GENERATION_DB, data, 0, data.length);
        Label asGeneration = repo.codec().label(ChunkKind.GENERATION, data, 0, data.length);
        assertThat(asData).isNotEqualTo(asDatabase).isNotEqualTo(asGeneration);
        assertThat(asDatabase).isNotEqualTo(asGeneration);
    }

    @Test
    void concurrentCommitsFromTwoClientsAreBothKept() throws Exception {
        Repository.Unlocked u = Repository.initialise(store, "pw", FAST);
        Repository a = open(u, "a");
        Repository b = open(u, "b");
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<GenerationList.Item>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Repository r = i % 2 == 0 ? a : b;
                long n = i;
                futures.add(pool.submit(() -> r.commitGeneration(record(n))));
            }
            for (var f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(a.generations().generations()).hasSize(8);
        assertThat(a.generations().counter()).isEqualTo(8);
    }

    @Test
    void aCommitStartsFromTheListLastReadOrWrittenAndReadsItAgainOnlyWhenAnotherClientChangedIt() throws Exception {
        Repository.Unlocked u = Repository.initialise(store, "pw", FAST);
        java.util.concurrent.atomic.AtomicInteger listReads = new java.util.concurrent.atomic.AtomicInteger();
        org.obnam.store.Store counting = (org.obnam.store.Store) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {org.obnam.store.Store.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getRecord") && Repository.GENERATIONS_RECORD.equals(args[0])) {
                        listReads.incrementAndGet();
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Repository repo = new Repository(counting, u.key(), u.repositoryId(), new TrustState(dir.resolve("state")), 3);
        repo.generations();
        repo.commitGeneration(record(1));
        repo.commitGeneration(record(2));
        assertThat(listReads).as("the list read once, at the start").hasValue(1);

        open(u, "other").commitGeneration(record(3));
        repo.commitGeneration(record(4));
        assertThat(listReads).as("read again after the compare-and-set found it changed").hasValue(2);
        assertThat(repo.generations().generations()).extracting(GenerationList.Item::fileCount).containsExactly(1L, 2L, 3L, 4L);
        assertThat(repo.generations().counter()).isEqualTo(4);
    }

    @Test
    void trustStateRemembersTheHighestCounter() throws Exception {
        TrustState t = new TrustState(dir.resolve("t"));
        assertThat(t.highestCounter("r")).isZero();
        t.remember("r", 5);
        t.remember("r", 3);
        assertThat(t.highestCounter("r")).isEqualTo(5);
        Files.writeString(dir.resolve("t").resolve("repository-r.counter"), "garbage");
        assertThatThrownBy(() -> t.highestCounter("r")).hasMessageContaining("client state");
    }

    @org.junit.jupiter.api.Test
    void reusedBuffersGrowByHalfAtLeastSoAFewArraysServeEveryChunkSize() {
        assertThat(ChunkCodec.grownLength(0, 100)).isEqualTo(100);
        assertThat(ChunkCodec.grownLength(1000, 1001)).isEqualTo(1500);
        assertThat(ChunkCodec.grownLength(1000, 4000)).isEqualTo(4000);
        assertThat(ChunkCodec.grownLength(Integer.MAX_VALUE - 100, Integer.MAX_VALUE - 50)).isEqualTo(Integer.MAX_VALUE - 8);
        assertThat(ChunkCodec.grownLength(1000, 1001, 1200)).as("grows by half only up to the cap").isEqualTo(1200);
        assertThat(ChunkCodec.grownLength(1000, 1300, 1200)).as("past the cap only as far as needed").isEqualTo(1300);
        assertThat(ChunkCodec.grownLength(0, 100, 1200)).isEqualTo(100);
        int length = 0;
        int arrays = 0;
        for (int chunk = 256 << 10; chunk <= 4 << 20; chunk += 4096) {
            if (length < chunk) {
                length = ChunkCodec.grownLength(length, chunk);
                arrays++;
            }
        }
        assertThat(arrays).isLessThanOrEqualTo(8);
    }

    @Test
    void aCompressedChunkDecompressesIntoASpareArrayLongEnoughAndElsewhereOtherwise() throws Exception {
        Repository repo = open(Repository.initialise(store, "pw", FAST), "state");
        byte[] data = "compressible text, compressible text, ".repeat(400).getBytes(StandardCharsets.UTF_8);
        ChunkCodec codec = repo.codec();
        Label label = codec.label(ChunkKind.DATA, data, 0, data.length);
        byte[] blob = codec.encode(ChunkKind.DATA, label, data, 0, data.length);
        assertThat(blob.length).isLessThan(data.length / 4);

        byte[] spare = new byte[data.length];
        ChunkCodec.Plain into = codec.decodeInto(ChunkKind.DATA, label, blob, 0, blob.length, 1 << 20, spare);
        assertThat(into.buffer()).as("decompressed into the spare array").isSameAs(spare);
        assertThat(java.util.Arrays.copyOf(into.buffer(), into.length())).isEqualTo(data);

        byte[] tooShort = new byte[data.length - 1];
        ChunkCodec.Plain elsewhere = codec.decodeInto(ChunkKind.DATA, label, blob, 0, blob.length, 1 << 20, tooShort);
        assertThat(elsewhere.buffer()).isNotSameAs(tooShort);
        assertThat(java.util.Arrays.copyOf(elsewhere.buffer(), elsewhere.length())).isEqualTo(data);
        assertThat(tooShort).as("left alone").containsOnly(0);
    }

    @org.junit.jupiter.api.Test
    void decodeBuffersGrowToTheLargestChunkAtOnceForBigChunksOnly() {
        int target = (4 << 20) + 30;
        assertThat(ChunkCodec.decodeBufferLength(0, target / 4, target)).as("a quarter of the target or more").isEqualTo(target);
        assertThat(ChunkCodec.decodeBufferLength(0, 300 << 10, target)).as("smaller: only what is needed").isEqualTo(300 << 10);
        assertThat(ChunkCodec.decodeBufferLength(300 << 10, 310 << 10, target)).as("then by half").isEqualTo(450 << 10);
        assertThat(ChunkCodec.decodeBufferLength(target, target + 5, target)).as("past the target only as far as needed")
                .isEqualTo(target + 5);
        int length = 0;
        int arrays = 0;
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(1);
        for (int i = 0; i < 500; i++) {
            int chunk = (256 << 10) + rnd.nextInt((4 << 20) - (256 << 10) + 1);
            if (length < chunk) {
                length = ChunkCodec.decodeBufferLength(length, chunk, target);
                arrays++;
            }
        }
        assertThat(arrays).as("arrays made for chunks of 256 KiB to 4 MiB").isLessThanOrEqualTo(2);
    }
}
