package org.obnam.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.store.DirectoryStore;
import org.obnam.store.ObjectBody;
import org.obnam.store.ObjectId;
import org.obnam.store.ObjectMeta;
import org.obnam.store.Store;

class PackCacheTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    /** {@code count} packs of {@code size} bytes, the i-th filled with i + 1. */
    private static ObjectId[] packs(Store store, int count, int size) throws Exception {
        ObjectId[] ids = new ObjectId[count];
        for (int i = 0; i < count; i++) {
            ids[i] = pack(store, i + 1, size);
        }
        return ids;
    }

    private interface GetBody {
        ObjectBody get(ObjectId id, java.util.function.IntFunction<byte[]> arrays) throws Throwable;
    }

    /** {@code store} with {@code getBody} replaced; every other call goes to {@code store}. */
    private static Store withGetBody(Store store, GetBody getBody) {
        return (Store) java.lang.reflect.Proxy.newProxyInstance(Store.class.getClassLoader(),
                new Class<?>[] {Store.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getBody")) {
                        @SuppressWarnings("unchecked")
                        var arrays = (java.util.function.IntFunction<byte[]>) args[1];
                        return getBody.get((ObjectId) args[0], arrays);
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /**
     * Reads {@code id} as a restore reads its second small chunk (the first is read alone, so the
     * pack is fetched whole then), checks the byte at {@code at}, and gives the array it was in.
     */
    private static byte[] wholePack(PackCache cache, ObjectId id, int at, int seed) throws Exception {
        cache.bodyForSmallChunk(id);
        try (PackCache.Lease l = cache.bodyForSmallChunk(id)) {
            assertThat(l.body()[at]).isEqualTo((byte) seed);
            return l.body();
        }
    }

    private static ObjectId pack(Store store, int seed, int size) throws Exception {
        byte[] body = new byte[size];
        Arrays.fill(body, (byte) seed);
        return store.put(ObjectMeta.single(String.format("%064x", seed)), body);
    }

    @Test
    void aPackIsFetchedWholeOnlyFromItsSecondSmallChunkOn() throws Exception {
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            ObjectId id = pack(store, 7, 1000);
            PackCache cache = new PackCache(store, 1 << 20);

            assertThat(cache.bodyForSmallChunk(id)).as("the first small chunk is read alone").isNull();
            try (PackCache.Lease first = cache.bodyForSmallChunk(id);
                    PackCache.Lease second = cache.bodyForSmallChunk(id)) {
                assertThat(Arrays.copyOf(first.body(), 1000)).containsOnly(7);
                assertThat(second.body()).as("then served from the cache").isSameAs(first.body());
            }
        }
    }

    @Test
    void packsBeyondTheLimitAreEvictedOldestFirst() throws Exception {
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            ObjectId first = pack(store, 1, 600);
            ObjectId second = pack(store, 2, 600);
            PackCache cache = new PackCache(store, MIB); // one pack's array of 1 MiB
            for (ObjectId id : new ObjectId[] {first, second}) {
                cache.bodyForSmallChunk(id);
            }
            byte[] firstBody;
            try (PackCache.Lease l = cache.bodyForSmallChunk(first)) {
                firstBody = l.body();
            }
            byte[] secondBody;
            try (PackCache.Lease l = cache.bodyForSmallChunk(second)) { // two arrays cached: the first goes
                secondBody = l.body();
            }
            try (PackCache.Lease l = cache.bodyForSmallChunk(second)) {
                assertThat(l.body()).isSameAs(secondBody);
            }
            try (PackCache.Lease again = cache.bodyForSmallChunk(first)) {
                assertThat(Arrays.copyOf(again.body(), 600)).containsOnly(1);
                assertThat(again.body()).as("fetched again, into the array it left").isSameAs(firstBody);
            }
        }
    }

    @Test
    void aSmallPacksArrayDoesNotKeepTheLargerPacksAfterItFromReusingTheirs() throws Exception {
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            ObjectId small = pack(store, 100, 600); // an array of 1 MiB
            ObjectId[] larger = packs(store, 8, MIB + MIB / 2); // arrays of 2 MiB
            PackCache cache = new PackCache(store, 2L * MIB);
            cache.bodyForSmallChunk(small);
            cache.bodyForSmallChunk(small).close();
            Set<byte[]> arrays = Collections.newSetFromMap(new IdentityHashMap<>());
            for (int i = 0; i < larger.length; i++) {
                arrays.add(wholePack(cache, larger[i], MIB, i + 1));
            }
            assertThat(arrays).as("arrays made for eight packs of the same size").hasSizeLessThanOrEqualTo(3);
        }
    }

    @Test
    void twoFetchesAtOnceKeepReusingTheirArrays() throws Exception {
        // Two restore threads fetch two packs at once, so both need a free array; with only one
        // kept, one of the two freed afterwards was dropped and the next round made a new one.
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            ObjectId[] packs = packs(store, 16, MIB + MIB / 2);
            java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
            Store pairwise = withGetBody(store, (id, arrays) -> {
                together.await(10, TimeUnit.SECONDS);
                return store.getBody(id, arrays);
            });
            PackCache cache = new PackCache(pairwise, 2L * MIB);
            Set<byte[]> arrays = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
            onThreads(2, first -> {
                for (int i = first; i < packs.length; i += 2) {
                    arrays.add(wholePack(cache, packs[i], MIB, i + 1));
                }
            });
            assertThat(arrays).as("arrays made for sixteen packs fetched two at a time").hasSizeLessThanOrEqualTo(5);
        }
    }

    @Test
    void arraysFreedTogetherByManyReadersAreAllKeptForTheNextPacks() throws Exception {
        // Four restore threads finishing with four packs at once free four arrays together; with
        // two kept, every later round of four made new ones, garbage in the old generation.
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            ObjectId[] packs = packs(store, 16, MIB + MIB / 2); // arrays of 2 MiB
            PackCache cache = new PackCache(store, 2L * MIB); // one pack cached
            Set<byte[]> arrays = Collections.newSetFromMap(new IdentityHashMap<>());
            for (int round = 0; round < packs.length / 4; round++) {
                List<PackCache.Lease> held = new ArrayList<>();
                for (int i = round * 4; i < round * 4 + 4; i++) {
                    cache.bodyForSmallChunk(packs[i]);
                    PackCache.Lease l = cache.bodyForSmallChunk(packs[i]);
                    assertThat(l.body()[MIB]).isEqualTo((byte) (i + 1));
                    arrays.add(l.body());
                    held.add(l);
                }
                held.forEach(PackCache.Lease::close);
            }
            assertThat(arrays.size()).as("arrays made for four rounds of four packs read at once").isLessThanOrEqualTo(5);
        }
    }

    @Test
    void arraysOfAStoreThatReadsIntoItsOwnAreNotKept() throws Exception {
        // Over HTTP the store hands back arrays of its own and never asks for one of ours: keeping
        // its arrays would only hold heap that no fetch takes again.
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            ObjectId[] packs = packs(store, 6, MIB);
            Store ownArrays = withGetBody(store, (id, arrays) -> store.getBody(id, byte[]::new));
            PackCache cache = new PackCache(ownArrays, MIB);
            for (int i = 0; i < packs.length; i++) {
                wholePack(cache, packs[i], 10, i + 1);
            }
            assertThat(cache.freeBytes()).as("free arrays kept").isZero();
        }
    }

    @Test
    void anEvictedPacksArrayIsNotReusedWhileAThreadStillReadsIt() throws Exception {
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            ObjectId[] ids = packs(store, 4, 1000);
            PackCache cache = new PackCache(store, MIB);
            for (ObjectId id : ids) {
                cache.bodyForSmallChunk(id);
            }
            try (PackCache.Lease held = cache.bodyForSmallChunk(ids[0])) {
                for (int i = 1; i < ids.length; i++) { // each evicts the one before
                    try (PackCache.Lease l = cache.bodyForSmallChunk(ids[i])) {
                        assertThat(l.body()).isNotSameAs(held.body());
                        assertThat(Arrays.copyOf(l.body(), 1000)).containsOnly(i + 1);
                    }
                }
                assertThat(Arrays.copyOf(held.body(), 1000)).as("still the first pack").containsOnly(1);
            }
        }
    }

    @Test
    void whenAFetchRunsOutOfMemoryTheThreadsWaitingForItHearOfItInsteadOfWaitingForEver() throws Exception {
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            ObjectId id = pack(store, 9, 1000);
            java.util.concurrent.CountDownLatch fetching = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch fail = new java.util.concurrent.CountDownLatch(1);
            Store failing = withGetBody(store, (fetched, arrays) -> {
                fetching.countDown();
                fail.await();
                throw new OutOfMemoryError("Java heap space (from the test)");
            });
            PackCache cache = new PackCache(failing, 1 << 20);
            assertThat(cache.bodyForSmallChunk(id)).isNull();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<?> fetcher = pool.submit(() -> cache.bodyForSmallChunk(id));
                fetching.await();
                Future<?> waiter = pool.submit(() -> cache.bodyForSmallChunk(id));
                Thread.sleep(100); // the second thread waits for the first one's fetch
                fail.countDown();
                for (Future<?> f : List.of(fetcher, waiter)) {
                    Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> f.get(10, TimeUnit.SECONDS));
                    assertThat(e).isInstanceOf(java.util.concurrent.ExecutionException.class);
                    assertThat(e.getCause()).isInstanceOf(OutOfMemoryError.class);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void manyThreadsReadingAndEvictingAlwaysSeeTheirOwnPack() throws Exception {
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            int packs = 12;
            ObjectId[] ids = new ObjectId[packs];
            for (int i = 0; i < packs; i++) {
                ids[i] = pack(store, i + 1, 3000 + i);
            }
            PackCache cache = new PackCache(store, 2L * MIB);
            onThreads(6, seed -> {
                Random random = new Random(seed);
                for (int n = 0; n < 400; n++) {
                    int i = random.nextInt(packs);
                    try (PackCache.Lease l = cache.bodyForSmallChunk(ids[i])) {
                        if (l != null) {
                            byte[] b = l.body();
                            for (int k = 0; k < 3000 + i; k++) {
                                if (b[k] != (byte) (i + 1)) {
                                    throw new AssertionError("pack " + i + " byte " + k + " is " + b[k]);
                                }
                            }
                        }
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
