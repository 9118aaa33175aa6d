package org.obnam.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.crypto.Label;
import org.obnam.generation.ChunkRef;
import org.obnam.store.DirectoryStore;
import org.obnam.store.ObjectId;
import org.obnam.store.ObjectMeta;
import org.obnam.store.Store;

class PackCacheTest {
    private static final int KIB = 1 << 10;
    private static final Label LABEL = Label.fromHex("00".repeat(32));

    @TempDir
    Path dir;

    /** A pack of {@code size} bytes in which the byte at {@code i} is {@link #at at(seed, i)}. */
    private static ObjectId pack(Store store, int seed, int size) throws Exception {
        byte[] body = new byte[size];
        for (int i = 0; i < size; i++) {
            body[i] = at(seed, i);
        }
        return store.put(ObjectMeta.single(String.format("%064x", seed)), body);
    }

    private static byte at(int seed, long offset) {
        return (byte) (seed * 31 + offset % 251);
    }

    private static ChunkRef chunk(ObjectId pack, long offset, int length) {
        return new ChunkRef(LABEL, pack, offset, length, length);
    }

    /** Asks for {@code ref} planned as {@code span}, checks the window holds its bytes, and gives the window's array. */
    private static byte[] read(PackCache cache, PackCache.Span span, ChunkRef ref, int seed) throws Exception {
        try (PackCache.Lease l = cache.windowFor(span, ref)) {
            assertBytes(l, ref, seed);
            return l.body();
        }
    }

    private static void assertBytes(PackCache.Lease l, ChunkRef ref, int seed) {
        int from = l.offsetOf(ref);
        for (int i = 0; i < ref.length(); i++) {
            if (l.body()[from + i] != at(seed, ref.offset() + i)) {
                throw new AssertionError("chunk at " + ref.offset() + ", byte " + i + " is wrong");
            }
        }
    }

    private record RangeRead(ObjectId id, long offset, int length) {}

    private interface ReadRange {
        void read(ObjectId id, long offset, int length, byte[] dest) throws Throwable;
    }

    /** {@code store} with {@code readRange} replaced; every other call goes to {@code store}. */
    private static Store withReadRange(Store store, ReadRange readRange) {
        return (Store) java.lang.reflect.Proxy.newProxyInstance(Store.class.getClassLoader(),
                new Class<?>[] {Store.class}, (proxy, method, args) -> {
                    if (method.getName().equals("readRange")) {
                        readRange.read((ObjectId) args[0], (Long) args[1], (Integer) args[2], (byte[]) args[3]);
                        return null;
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** {@code store}, recording its range reads in {@code reads}. */
    private static Store recording(Store store, List<RangeRead> reads) {
        return withReadRange(store, (id, offset, length, dest) -> {
            reads.add(new RangeRead(id, offset, length));
            store.readRange(id, offset, length, dest);
        });
    }

    /** Plans {@code chunks} in order, then asks for each; {@code seeds} gives each pack's seed. */
    private static void planAndRead(PackCache cache, List<ChunkRef> chunks, java.util.function.ToIntFunction<ChunkRef> seeds)
            throws Exception {
        PackCache.Planner planner = new PackCache.Planner();
        List<PackCache.Span> spans = new ArrayList<>();
        for (ChunkRef c : chunks) {
            spans.add(planner.spanFor(c));
        }
        for (int i = 0; i < chunks.size(); i++) {
            read(cache, spans.get(i), chunks.get(i), seeds.applyAsInt(chunks.get(i)));
        }
    }

    @Test
    void consecutiveChunksOfAPackAreReadInOneWindow() throws Exception {
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            ObjectId a = pack(store, 1, 64 * KIB);
            ObjectId b = pack(store, 2, 64 * KIB);
            List<RangeRead> reads = Collections.synchronizedList(new ArrayList<>());
            PackCache cache = new PackCache(recording(store, reads), 2);
            List<ChunkRef> chunks = List.of(chunk(a, 100, 1000), chunk(a, 1100, 3000), chunk(a, 4100, 20 * KIB),
                    chunk(b, 0, 500), chunk(a, 2000, 100));
            planAndRead(cache, chunks, c -> c.object().equals(a) ? 1 : 2);
            assertThat(reads).as("the last chunk is in the first window, still cached")
                    .containsExactly(new RangeRead(a, 100, 4000 + 20 * KIB), new RangeRead(b, 0, 500));
        }
    }

    @Test
    void aChunkWithNoSmallNeighboursIsReadAlone() throws Exception {
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            ObjectId a = pack(store, 1, 512 * KIB);
            ObjectId b = pack(store, 2, 512 * KIB);
            List<RangeRead> reads = new ArrayList<>();
            PackCache cache = new PackCache(recording(store, reads), 2);
            // the small last chunks of two big files, whose other chunks are read alone
            planAndRead(cache, List.of(chunk(a, 300 * KIB, 7 * KIB), chunk(b, 0, 9 * KIB)), c -> c.object().equals(a) ? 1 : 2);
            assertThat(reads).containsExactly(new RangeRead(a, 300 * KIB, 7 * KIB), new RangeRead(b, 0, 9 * KIB));
        }
    }

    @Test
    void aWindowHoldsNoMoreThanWindowBytesAndOnlyWholeChunks() throws Exception {
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            int chunkLength = 100 * KIB;
            ObjectId a = pack(store, 3, 30 * chunkLength);
            List<RangeRead> reads = new ArrayList<>();
            PackCache cache = new PackCache(recording(store, reads), 2);
            List<ChunkRef> chunks = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                chunks.add(chunk(a, (long) i * chunkLength, chunkLength));
            }
            planAndRead(cache, chunks, c -> 3);
            int perWindow = PackCache.WINDOW_BYTES / chunkLength; // 10
            assertThat(reads).hasSize(3);
            for (int w = 0; w < 3; w++) {
                assertThat(reads.get(w)).isEqualTo(new RangeRead(a, (long) w * perWindow * chunkLength, perWindow * chunkLength));
            }
        }
    }

    @Test
    void consecutiveChunksShareASpanAndAChunkBeforeItsStartOrInAnotherPackGetsAnotherOne() {
        ObjectId a = ObjectId.random();
        ObjectId b = ObjectId.random();
        PackCache.Planner planner = new PackCache.Planner();
        PackCache.Span first = planner.spanFor(chunk(a, 5000, 100));
        assertThat(planner.spanFor(chunk(a, 5100, 100))).isSameAs(first);
        PackCache.Span back = planner.spanFor(chunk(a, 0, 100)); // deduplicated against an older chunk
        assertThat(back).isNotSameAs(first);
        assertThat(planner.spanFor(chunk(a, 5200, 100))).as("still open after a duplicate").isSameAs(first);
        PackCache.Span other = planner.spanFor(chunk(b, 100, 100));
        assertThat(other).isNotSameAs(back);
        assertThat(planner.spanFor(chunk(b, 100 + PackCache.WINDOW_BYTES - 100, 100))).isSameAs(other);
        assertThat(planner.spanFor(chunk(b, 100 + PackCache.WINDOW_BYTES - 99, 100))).isNotSameAs(other);
    }

    @Test
    void aWindowReadBeforeItsSpanIsCompleteHoldsWhatItHeldThenAndTheNextReadsOnlyWhatWasAdded() throws Exception {
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            ObjectId a = pack(store, 4, 64 * KIB);
            List<RangeRead> reads = new ArrayList<>();
            PackCache cache = new PackCache(recording(store, reads), 2);
            PackCache.Planner planner = new PackCache.Planner();
            ChunkRef first = chunk(a, 0, 4 * KIB);
            PackCache.Span span = planner.spanFor(first);
            read(cache, span, first, 4); // a thread got to it before the next chunk was planned
            ChunkRef second = chunk(a, 4 * KIB, 4 * KIB);
            assertThat(planner.spanFor(second)).isSameAs(span);
            read(cache, span, second, 4);
            ChunkRef third = chunk(a, 8 * KIB, 4 * KIB);
            planner.spanFor(third);
            read(cache, span, third, 4);
            assertThat(reads).containsExactly(new RangeRead(a, 0, 4 * KIB), new RangeRead(a, 4 * KIB, 4 * KIB),
                    new RangeRead(a, 8 * KIB, 4 * KIB));
        }
    }

    /** A pack of two chunks of 150 KiB, one span: long enough for a reused array. */
    /** {@code count} packs of 300 KiB, the one at {@code i} made with seed {@code i}. */
    private static ObjectId[] packsOf300KiB(Store store, int count) throws Exception {
        ObjectId[] ids = new ObjectId[count];
        for (int i = 0; i < count; i++) {
            ids[i] = pack(store, i, 300 * KIB);
        }
        return ids;
    }

    private static List<ChunkRef> twoChunks(ObjectId pack) {
        return List.of(chunk(pack, 0, 150 * KIB), chunk(pack, 150 * KIB, 150 * KIB));
    }

    @Test
    void windowsBeyondTheLimitAreEvictedAndTheirArraysReused() throws Exception {
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            int packs = 12;
            ObjectId[] ids = packsOf300KiB(store, packs);
            List<RangeRead> reads = new ArrayList<>();
            PackCache cache = new PackCache(recording(store, reads), 1); // three windows cached
            PackCache.Planner planner = new PackCache.Planner();
            Set<byte[]> arrays = Collections.newSetFromMap(new IdentityHashMap<>());
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < packs; i++) {
                    List<ChunkRef> chunks = twoChunks(ids[i]);
                    PackCache.Span span = planner.spanFor(chunks.get(0));
                    assertThat(planner.spanFor(chunks.get(1))).isSameAs(span);
                    for (ChunkRef c : chunks) {
                        arrays.add(read(cache, span, c, i));
                    }
                }
            }
            assertThat(reads).as("each window read once a round: evicted meanwhile").hasSize(2 * packs);
            assertThat(arrays).as("arrays reused").hasSizeLessThanOrEqualTo(3);
            for (byte[] a : arrays) {
                assertThat(a).hasSize(PackCache.WINDOW_BYTES);
            }
        }
    }

    @Test
    void aWindowWithChunksStillToServeIsKeptOverOneThatServedItsLast() throws Exception {
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            ObjectId[] ids = packsOf300KiB(store, 4);
            List<RangeRead> reads = new ArrayList<>();
            PackCache cache = new PackCache(recording(store, reads), 1); // three windows cached
            PackCache.Planner planner = new PackCache.Planner();
            List<List<ChunkRef>> chunks = new ArrayList<>();
            List<PackCache.Span> spans = new ArrayList<>();
            for (ObjectId id : ids) {
                List<ChunkRef> two = twoChunks(id);
                chunks.add(two);
                spans.add(planner.spanFor(two.get(0)));
                planner.spanFor(two.get(1));
            }
            read(cache, spans.get(0), chunks.get(0).get(0), 0); // its second chunk comes last
            for (int i = 1; i < 3; i++) {
                read(cache, spans.get(i), chunks.get(i).get(0), i);
                read(cache, spans.get(i), chunks.get(i).get(1), i);
            }
            read(cache, spans.get(3), chunks.get(3).get(0), 3); // one window too many: the least recently used is the first
            read(cache, spans.get(0), chunks.get(0).get(1), 0);
            assertThat(reads).as("the first window kept, a served one evicted").hasSize(4);
        }
    }

    @Test
    void aShortWindowGetsAnArrayOfItsOwn() throws Exception {
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            ObjectId a = pack(store, 6, 64 * KIB);
            PackCache cache = new PackCache(store, 2);
            ChunkRef c = chunk(a, 1000, 5000); // the small last chunk of a big file
            assertThat(read(cache, new PackCache.Planner().spanFor(c), c, 6)).hasSize(5000);
        }
    }

    @Test
    void anEvictedWindowsArrayIsNotReusedWhileAThreadStillReadsIt() throws Exception {
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            ObjectId[] ids = packsOf300KiB(store, 6);
            PackCache cache = new PackCache(store, 1);
            PackCache.Planner planner = new PackCache.Planner();
            List<ChunkRef> first = twoChunks(ids[0]);
            PackCache.Span firstSpan = planner.spanFor(first.get(0));
            planner.spanFor(first.get(1));
            try (PackCache.Lease held = cache.windowFor(firstSpan, first.get(0))) {
                for (int i = 1; i < ids.length; i++) { // each evicts an older window
                    List<ChunkRef> chunks = twoChunks(ids[i]);
                    PackCache.Span span = planner.spanFor(chunks.get(0));
                    planner.spanFor(chunks.get(1));
                    byte[] array = read(cache, span, chunks.get(0), i);
                    assertThat(array).hasSize(PackCache.WINDOW_BYTES).isNotSameAs(held.body());
                }
                assertBytes(held, first.get(0), 0);
                assertBytes(held, first.get(1), 0);
            }
        }
    }

    @Test
    void whenAReadFailsTheThreadsWaitingForItHearOfItAndTheNextAskReadsAgain() throws Exception {
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            ObjectId id = pack(store, 9, 8 * KIB);
            CountDownLatch reading = new CountDownLatch(1);
            CountDownLatch fail = new CountDownLatch(1);
            boolean[] failed = {false};
            Store failing = withReadRange(store, (read, offset, length, dest) -> {
                if (!failed[0]) {
                    reading.countDown();
                    fail.await();
                    failed[0] = true;
                    throw new OutOfMemoryError("Java heap space (from the test)");
                }
                store.readRange(read, offset, length, dest);
            });
            PackCache cache = new PackCache(failing, 2);
            ChunkRef c = chunk(id, 0, 8 * KIB);
            PackCache.Span span = new PackCache.Planner().spanFor(c);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<?> reader = pool.submit(() -> cache.windowFor(span, c));
                reading.await();
                Future<?> waiter = pool.submit(() -> cache.windowFor(span, c));
                Thread.sleep(100); // the second thread waits for the first one's read
                fail.countDown();
                for (Future<?> f : List.of(reader, waiter)) {
                    Throwable e = catchThrowable(() -> f.get(10, TimeUnit.SECONDS));
                    assertThat(e).isInstanceOf(ExecutionException.class);
                    assertThat(e.getCause()).isInstanceOf(OutOfMemoryError.class);
                }
            } finally {
                pool.shutdownNow();
            }
            read(cache, span, c, 9);
        }
    }

    @Test
    void manyThreadsReadingAndEvictingAlwaysSeeTheirOwnChunks() throws Exception {
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            int packs = 6;
            int chunksPerPack = 40;
            ObjectId[] ids = new ObjectId[packs];
            List<ChunkRef> chunks = new ArrayList<>();
            Random sizes = new Random(1);
            for (int i = 0; i < packs; i++) {
                ids[i] = pack(store, i, chunksPerPack * 64 * KIB);
                long offset = 0;
                for (int k = 0; k < chunksPerPack; k++) {
                    int length = 1 + sizes.nextInt(64 * KIB);
                    chunks.add(chunk(ids[i], offset, length));
                    offset += length;
                }
            }
            PackCache.Planner planner = new PackCache.Planner();
            List<PackCache.Span> spans = new ArrayList<>();
            for (ChunkRef c : chunks) {
                spans.add(planner.spanFor(c));
            }
            PackCache cache = new PackCache(store, 2);
            onThreads(6, thread -> {
                Random random = new Random(thread);
                for (int n = 0; n < 400; n++) {
                    int k = random.nextInt(chunks.size());
                    ChunkRef c = chunks.get(k);
                    int seed = List.of(ids).indexOf(c.object());
                    try (PackCache.Lease l = cache.windowFor(spans.get(k), c)) {
                        assertBytes(l, c, seed);
                    }
                }
            });
        }
    }

    private interface ThreadBody {
        void run(int thread) throws Exception;
    }

    /** Runs {@code body} on {@code count} threads at once, each given its number; rethrows the first failure. */
    private static void onThreads(int count, ThreadBody body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < count; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    body.run(thread);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
