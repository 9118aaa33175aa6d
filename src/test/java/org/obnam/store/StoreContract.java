package org.obnam.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link Store} promises. Each implementation's test extends this class. */
public abstract class StoreContract {
    protected Store store;

    /** A new, empty store. */
    protected abstract Store newStore() throws Exception;

    /** The same store as {@link #store}, opened again (as after a restart). */
    protected abstract Store reopen() throws Exception;

    /** Damages a stored object behind the store's back, as disk rot or a crash would: cuts its file short. */
    protected abstract void truncate(ObjectId id) throws Exception;

    @BeforeEach
    void setUp() throws Exception {
        store = newStore();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (store != null) {
            store.close();
        }
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void storedObjectIsReturnedWithItsMetadata() throws Exception {
        byte[] body = bytes(1000, 1);
        ObjectId id = store.put(ObjectMeta.single("abc"), body);
        StoredObject got = store.get(id);
        assertThat(got.body()).isEqualTo(body);
        assertThat(got.meta().labels()).containsExactly("abc");
    }

    @Test
    void aBodyReadIntoAGivenArrayIsTheStoredBody() throws Exception {
        byte[] body = bytes(5000, 2);
        ObjectId id = store.put(ObjectMeta.single("abd"), body);
        byte[] given = new byte[8000];
        java.util.Arrays.fill(given, (byte) 0x5a);
        ObjectBody got = store.getBody(id, n -> {
            assertThat(n).isEqualTo(5000);
            return given;
        });
        assertThat(got.length()).isEqualTo(5000);
        assertThat(java.util.Arrays.copyOf(got.array(), got.length())).isEqualTo(body);
        assertThat(store.getBody(id, byte[]::new).array()).startsWith(body);
    }

    @Test
    void emptyBodyIsStored() throws Exception {
        ObjectId id = store.put(ObjectMeta.single("empty"), new byte[0]);
        assertThat(store.get(id).body()).isEmpty();
    }

    @Test
    void missingObjectIsNotFound() {
        assertThatThrownBy(() -> store.get(ObjectId.random())).isInstanceOf(StoreException.NotFound.class);
        assertThatThrownBy(() -> store.getRange(ObjectId.random(), 0, 1)).isInstanceOf(StoreException.NotFound.class);
        assertThatThrownBy(() -> store.delete(ObjectId.random())).isInstanceOf(StoreException.NotFound.class);
    }

    @Test
    void labelSearchFindsObjectsHoldingTheLabel() throws Exception {
        ObjectId a = store.put(ObjectMeta.single("abc"), bytes(10, 2));
        ObjectId b = store.put(ObjectMeta.single("abc"), bytes(10, 3));
        store.put(ObjectMeta.single("other"), bytes(10, 4));
        assertThat(store.findLabel("abc")).containsOnlyKeys(a, b);
        assertThat(store.findLabel("nothing")).isEmpty();
    }

    @Test
    void packRangesAreFoundByBatchLookupAndReadByRange() throws Exception {
        byte[] one = "first chunk".getBytes(StandardCharsets.UTF_8);
        byte[] two = "the second".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[one.length + two.length];
        System.arraycopy(one, 0, body, 0, one.length);
        System.arraycopy(two, 0, body, one.length, two.length);
        ObjectId id = store.put(ObjectMeta.pack(List.of("l1", "l2"), List.of((long) one.length, (long) two.length)), body);

        Map<String, ObjectLocation> found = store.findLabels(List.of("l1", "l2", "l3"));
        assertThat(found).containsOnlyKeys("l1", "l2");
        ObjectLocation loc = found.get("l2");
        assertThat(loc).isEqualTo(new ObjectLocation(id, one.length, two.length));
        assertThat(store.getRange(id, loc.offset(), (int) loc.length())).isEqualTo(two);
        assertThat(store.findLabel("l1")).containsOnlyKeys(id);
    }

    @Test
    void batchLookupOfManyLabels() throws Exception {
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            labels.add("label-" + i);
        }
        for (int i = 0; i < 1500; i += 3) {
            store.put(ObjectMeta.single(labels.get(i)), bytes(4, i));
        }
        assertThat(store.findLabels(labels)).hasSize(500);
    }

    @Test
    void rangeOutsideBodyIsRejected() throws Exception {
        ObjectId id = store.put(ObjectMeta.single("x"), bytes(10, 5));
        assertThatThrownBy(() -> store.getRange(id, 5, 6)).isInstanceOf(StoreException.BadRequest.class);
        assertThatThrownBy(() -> store.readRange(id, 5, 6, new byte[6])).isInstanceOf(StoreException.BadRequest.class);
    }

    @Test
    void aRangeReadIntoAGivenArrayFillsItsStartWithTheRange() throws Exception {
        byte[] body = bytes(3 << 20, 11); // megabytes: more than one piece of a response
        ObjectId id = store.put(ObjectMeta.pack(List.of("a", "b"), List.of(1000L, (long) body.length - 1000)), body);
        byte[] dest = new byte[body.length];
        Arrays.fill(dest, (byte) 0x55);
        int length = body.length - 1000 - 7;
        store.readRange(id, 1000, length, dest);
        assertThat(Arrays.copyOf(dest, length)).isEqualTo(Arrays.copyOfRange(body, 1000, 1000 + length));
        assertThat(Arrays.copyOfRange(dest, length, dest.length)).containsOnly(0x55);
        assertThat(store.getRange(id, 1000, length)).isEqualTo(Arrays.copyOf(dest, length));

        store.readRange(id, body.length - 3, 3, dest);
        assertThat(Arrays.copyOf(dest, 3)).isEqualTo(Arrays.copyOfRange(body, body.length - 3, body.length));
        assertThatThrownBy(() -> store.readRange(id, body.length - 3, 4, dest)).isInstanceOf(StoreException.BadRequest.class);
        assertThatThrownBy(() -> store.readRange(ObjectId.random(), 0, 1, dest)).isInstanceOf(StoreException.NotFound.class);
    }

    @Test
    void packLengthsLongerThanBodyAreRejected() {
        assertThatThrownBy(() -> store.put(ObjectMeta.pack(List.of("a"), List.of(11L)), new byte[10]))
                .isInstanceOf(StoreException.BadRequest.class);
    }

    @Test
    void deletedObjectIsGoneAndNotFoundByLabel() throws Exception {
        ObjectId id = store.put(ObjectMeta.single("abc"), bytes(10, 6));
        store.delete(id);
        assertThatThrownBy(() -> store.get(id)).isInstanceOf(StoreException.NotFound.class);
        assertThat(store.findLabel("abc")).isEmpty();
        assertThat(store.findLabels(List.of("abc"))).isEmpty();
    }

    @Test
    void listShowsEveryObject() throws Exception {
        ObjectId a = store.put(ObjectMeta.single("a"), bytes(3, 7));
        ObjectId b = store.put(ObjectMeta.pack(List.of("b", "c"), List.of(1L, 2L)), bytes(3, 8));
        List<ObjectInfo> listed = new ArrayList<>();
        store.list(listed::add);
        assertThat(listed).extracting(ObjectInfo::id).containsExactlyInAnyOrder(a, b);
        assertThat(listed).allSatisfy(info -> assertThat(info.size()).isEqualTo(3));
    }

    @Test
    void aDamagedObjectIsNamedAndDoesNotEndTheListing() throws Exception {
        ObjectId a = store.put(ObjectMeta.single("a"), bytes(300, 20));
        ObjectId bad = store.put(ObjectMeta.pack(List.of("b", "c"), List.of(100L, 200L)), bytes(300, 21));
        ObjectId c = store.put(ObjectMeta.single("d"), bytes(300, 22));
        store.flush();
        truncate(bad);

        List<ObjectInfo> listed = new ArrayList<>();
        Map<ObjectId, StoreException> damaged = new java.util.HashMap<>();
        store.list(new ObjectVisitor() {
            @Override
            public void object(ObjectInfo info) {
                listed.add(info);
            }

            @Override
            public void damaged(ObjectId id, StoreException problem) {
                damaged.put(id, problem);
            }
        });
        assertThat(listed).extracting(ObjectInfo::id).containsExactlyInAnyOrder(a, c);
        assertThat(damaged).containsOnlyKeys(bad);
        assertThat(damaged.get(bad)).hasMessageContaining(bad.value());

        List<ObjectInfo> all = new ArrayList<>();
        assertThatThrownBy(() -> store.list(all::add)).as("the every-object-or-nothing listing")
                .isInstanceOf(StoreException.Corrupt.class).hasMessageContaining(bad.value());
        assertThat(all).as("everything readable was listed first").extracting(ObjectInfo::id)
                .containsExactlyInAnyOrder(a, c);
    }

    @Test
    void recordsStartAbsentAndAdvanceByCompareAndSet() throws Exception {
        assertThat(store.getRecord("generations")).isEmpty();
        long v1 = store.compareAndSetRecord("generations", 0, "one".getBytes(StandardCharsets.UTF_8));
        assertThat(v1).isEqualTo(1);
        long v2 = store.compareAndSetRecord("generations", 1, "two".getBytes(StandardCharsets.UTF_8));
        assertThat(v2).isEqualTo(2);
        StoredRecord r = store.getRecord("generations").orElseThrow();
        assertThat(r.version()).isEqualTo(2);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("two");
        assertThat(store.recordNames()).contains("generations");
    }

    @Test
    void staleCompareAndSetIsAConflictAndChangesNothing() throws Exception {
        store.compareAndSetRecord("r", 0, new byte[] {1});
        store.compareAndSetRecord("r", 1, new byte[] {2});
        assertThatThrownBy(() -> store.compareAndSetRecord("r", 1, new byte[] {3}))
                .isInstanceOfSatisfying(StoreException.Conflict.class, e -> assertThat(e.currentVersion()).isEqualTo(2));
        assertThatThrownBy(() -> store.compareAndSetRecord("r2", 5, new byte[] {3}))
                .isInstanceOf(StoreException.Conflict.class);
        assertThat(store.getRecord("r").orElseThrow().body()).containsExactly(2);
        assertThat(store.getRecord("r2")).isEmpty();
    }

    @Test
    void concurrentCompareAndSetLetsExactlyOneWriterWinEachVersion() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte[] body = {(byte) i};
                results.add(pool.submit(() -> {
                    try {
                        store.compareAndSetRecord("race", 0, body);
                        return true;
                    } catch (StoreException.Conflict e) {
                        return false;
                    }
                }));
            }
            int winners = 0;
            for (Future<Boolean> f : results) {
                winners += f.get() ? 1 : 0;
            }
            assertThat(winners).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void invalidRecordNameIsRejected() {
        assertThatThrownBy(() -> store.compareAndSetRecord("../evil", 0, new byte[0]))
                .isInstanceOf(StoreException.BadRequest.class);
    }

    @Test
    void concurrentPutsAllSucceedAndAreFound() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<ObjectId>> ids = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                int n = i;
                ids.add(pool.submit(() -> {
                    ObjectId id = store.put(ObjectMeta.single("c" + n), bytes(1000, n));
                    store.flush();
                    return id;
                }));
            }
            for (int i = 0; i < 64; i++) {
                assertThat(store.get(ids.get(i).get()).body()).isEqualTo(bytes(1000, i));
            }
            List<String> labels = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                labels.add("c" + i);
            }
            assertThat(store.findLabels(labels)).hasSize(64);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void everythingSurvivesReopening() throws Exception {
        ObjectId id = store.put(ObjectMeta.single("persist"), bytes(100, 9));
        store.compareAndSetRecord("rec", 0, new byte[] {42});
        store.flush();
        store.close();
        store = reopen();
        assertThat(store.get(id).body()).isEqualTo(bytes(100, 9));
        assertThat(store.findLabel("persist")).containsOnlyKeys(id);
        assertThat(store.getRecord("rec").orElseThrow().body()).containsExactly(42);
    }

    @Test
    void aStringThatCannotBeALabelIsFoundNowhere() throws Exception {
        store.put(ObjectMeta.single("real"), new byte[] {1});
        assertThat(store.findLabel("not a label")).isEmpty();
        assertThat(store.findLabels(List.of("real", "not a label", ""))).containsOnlyKeys("real");
    }
    @Test
    void draftWrittenOutOfOrderByManyThreadsIsStoredWhole() throws Exception {
        byte[] body = bytes(300_000, 11);
        List<String> labels = new ArrayList<>();
        List<Long> lengths = new ArrayList<>();
        List<long[]> pieces = new ArrayList<>();
        Random sizes = new Random(12);
        for (int offset = 0; offset < body.length; ) {
            int length = Math.min(body.length - offset, 1 + sizes.nextInt(20_000));
            labels.add("piece" + pieces.size());
            lengths.add((long) length);
            pieces.add(new long[] {offset, length});
            offset += length;
        }
        java.util.Collections.shuffle(pieces, new Random(13));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        ObjectId id;
        try (ObjectDraft draft = store.draft()) {
            List<Future<?>> writes = new ArrayList<>();
            for (long[] piece : pieces) {
                writes.add(pool.submit(() -> {
                    draft.write(piece[0], body, (int) piece[0], (int) piece[1]);
                    return null;
                }));
            }
            for (Future<?> w : writes) {
                w.get();
            }
            id = draft.commit(ObjectMeta.pack(labels, lengths), body.length);
        } finally {
            pool.shutdownNow();
        }
        store.flush();
        assertThat(store.get(id).body()).isEqualTo(body);
        Map<String, ObjectLocation> found = store.findLabels(labels);
        assertThat(found).hasSize(labels.size());
        ObjectLocation third = found.get("piece2");
        assertThat(store.getRange(id, third.offset(), (int) third.length()))
                .isEqualTo(java.util.Arrays.copyOfRange(body, (int) third.offset(), (int) (third.offset() + third.length())));
    }

    @Test
    void draftWithAGapOrATwiceWrittenRangeIsRefusedAndStoresNothing() throws Exception {
        byte[] data = bytes(30, 14);
        try (ObjectDraft draft = store.draft()) {
            draft.write(0, data, 0, 10);
            draft.write(20, data, 20, 10);
            assertThatThrownBy(() -> draft.commit(ObjectMeta.single("gap"), 30))
                    .isInstanceOf(StoreException.BadRequest.class).hasMessageContaining("gap at offset 10");
        }
        try (ObjectDraft draft = store.draft()) {
            draft.write(0, data, 0, 10);
            draft.write(5, data, 5, 10);
            assertThatThrownBy(() -> draft.commit(ObjectMeta.single("twice"), 15))
                    .isInstanceOf(StoreException.BadRequest.class).hasMessageContaining("twice");
        }
        try (ObjectDraft draft = store.draft()) {
            draft.write(0, data, 0, 10);
            assertThatThrownBy(() -> draft.commit(ObjectMeta.single("short"), 30))
                    .isInstanceOf(StoreException.BadRequest.class);
        }
        List<ObjectInfo> all = new ArrayList<>();
        store.list(all::add);
        assertThat(all).isEmpty();
        assertThat(store.findLabels(List.of("gap", "twice", "short"))).isEmpty();
    }

    @Test
    void draftClosedWithoutCommitLeavesNothingAndAnEmptyDraftStoresAnEmptyBody() throws Exception {
        try (ObjectDraft draft = store.draft()) {
            draft.write(0, bytes(100, 15), 0, 100);
        }
        List<ObjectInfo> all = new ArrayList<>();
        store.list(all::add);
        assertThat(all).isEmpty();
        ObjectId id;
        try (ObjectDraft draft = store.draft()) {
            id = draft.commit(ObjectMeta.single("nothing"), 0);
        }
        assertThat(store.get(id).body()).isEmpty();
        assertThat(store.get(id).meta().labels()).containsExactly("nothing");
    }
}
