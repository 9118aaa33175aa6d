package org.obnam.restore;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.obnam.repository.PackLayout;
import org.obnam.store.ObjectBody;
import org.obnam.store.ObjectId;
import org.obnam.store.Store;
import org.obnam.store.StoreException;

/**
 * Whole packs, fetched once and shared by the restore threads: many small files' chunks sit in
 * one pack, and reading it in one request instead of one per chunk is what makes restoring small
 * files fast (above all from a server). A pack is fetched whole only from the second small chunk
 * asked for in it on: the first is read alone, so that the small last chunk of a big file does
 * not cost a whole pack of big chunks read for nothing. Holds at most {@code maxBytes} of packs,
 * least recently used first out. Thread-safe; concurrent requests for one pack share a single
 * fetch. A pack that fails the store's checksum is remembered as damaged, so callers fall back
 * to reading their chunks one by one: each chunk's own authentication decides what is still good.
 *
 * <p>The arrays of evicted packs are reused for the next packs fetched, once no thread reads them
 * any more (a {@link Lease} is open while one does). A fresh 8 MiB array per pack went straight
 * to the old generation and was garbage soon after: restoring 200,000 small files made 41 full
 * collections and grew the heap from 61 to 96 MiB.
 */
final class PackCache {
    /** Chunks at least this large are read on their own: caching their pack would not help. */
    static final int SMALL_CHUNK = 256 << 10;
    /** Arrays are made in whole MiB, so that one fits the next pack of about the same size. */
    private static final int ARRAY_STEP = 1 << 20;
    /**
     * What the free arrays kept for the next fetches may hold at most: as much as two arrays of
     * full-size packs. Packs of small files are smaller (2 to 3 MB), so several fit. Counting
     * arrays instead, two at most, dropped the rest whenever more than two threads' leases ended
     * together, and later fetches made new arrays: restoring 200,000 small files made 10 (32 MB)
     * that filled the old generation with garbage until a full collection, against 5 (19 MB) and
     * no full collection with the arrays kept; peak RSS 147 to 151 against 138 to 146 MiB (three
     * alternating runs each).
     */
    static final long FREE_ARRAY_BYTES = 2L * (PackLayout.TARGET_BYTES + ARRAY_STEP);

    /** A cached pack's body, readable until the lease is closed. */
    final class Lease implements AutoCloseable {
        private final Cached cached;
        private boolean closed;

        private Lease(Cached cached) {
            this.cached = cached;
        }

        byte[] body() {
            return cached.body.join().array();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release(cached);
            }
        }
    }

    private static final class Cached {
        final CompletableFuture<ObjectBody> body = new CompletableFuture<>();
        boolean reusable; // the body is in an array from this cache (a store may use its own)
        int readers; // guarded by the cache: leases open, and threads waiting for the fetch
        boolean evicted; // guarded by the cache
    }

    private final Store store;
    private final long maxBytes;
    private final LinkedHashMap<ObjectId, Cached> packs = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes; // in the arrays of cached packs
    private final ArrayDeque<byte[]> freeArrays = new ArrayDeque<>();
    private long freeBytes; // in freeArrays
    /** Packs that one small chunk was read from alone, the most recent ones only. */
    private final Map<ObjectId, Boolean> askedOnce = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ObjectId, Boolean> eldest) {
            return size() > 4096;
        }
    };

    PackCache(Store store, long maxBytes) {
        this.store = store;
        this.maxBytes = maxBytes;
    }

    /**
     * The whole body of {@code id}, fetched if not already cached, to read until the lease is
     * closed; or null the first time a small chunk of that pack is asked for, when the caller
     * should read the chunk alone.
     */
    Lease bodyForSmallChunk(ObjectId id) throws StoreException, InterruptedException {
        Cached cached;
        boolean fetch = false;
        synchronized (this) {
            cached = packs.get(id);
            if (cached == null) {
                if (askedOnce.put(id, Boolean.TRUE) == null) {
                    return null;
                }
                cached = new Cached();
                packs.put(id, cached);
                fetch = true;
            }
            cached.readers++; // before waiting: an eviction meanwhile must not reuse the array
        }
        Lease lease = new Lease(cached);
        try {
            if (fetch) {
                fetch(id, cached);
            }
            cached.body.get();
            return lease;
        } catch (ExecutionException e) {
            lease.close();
            if (e.getCause() instanceof StoreException s) {
                throw s;
            }
            if (e.getCause() instanceof Error error) {
                throw error; // out of memory, say: the caller names it as such
            }
            throw new StoreException("cannot read object " + id + ": " + e.getCause(), e.getCause());
        } catch (StoreException | InterruptedException | RuntimeException | Error e) {
            lease.close();
            throw e;
        }
    }

    private void fetch(ObjectId id, Cached cached) throws StoreException {
        try {
            byte[][] given = new byte[1][];
            ObjectBody body = store.getBody(id, n -> given[0] = array(n));
            synchronized (this) {
                cached.reusable = body.array() == given[0];
                bytes += body.array().length;
                cached.body.complete(body);
                evict();
            }
        } catch (Throwable e) {
            // Whatever went wrong, out of memory included, the threads waiting for this fetch
            // must hear of it: a fetch that never completed left them waiting for ever.
            cached.body.completeExceptionally(e);
            if (!(e instanceof StoreException.Corrupt)) {
                // Remembered when damaged (callers then read chunk by chunk); otherwise retried.
                synchronized (this) {
                    packs.remove(id, cached);
                }
            }
            throw e;
        }
    }

    /** Bytes in the free arrays kept for the next fetches. */
    synchronized long freeBytes() {
        return freeBytes;
    }

    /** An array for a body of {@code length} bytes: the smallest free one that fits, or a new one. */
    private byte[] array(int length) {
        synchronized (this) {
            byte[] best = null;
            for (byte[] a : freeArrays) {
                if (a.length >= length && (best == null || a.length < best.length)) {
                    best = a;
                }
            }
            if (best != null) {
                freeArrays.remove(best);
                freeBytes -= best.length;
                return best;
            }
        }
        long rounded = (length + (long) ARRAY_STEP - 1) / ARRAY_STEP * ARRAY_STEP;
        return new byte[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(length, rounded))];
    }

    private synchronized void release(Cached cached) {
        cached.readers--;
        if (cached.readers == 0 && cached.evicted) {
            recycle(cached);
        }
    }

    /** Evicts least recently used packs beyond the limit; their arrays are reused once unread. */
    private void evict() {
        Iterator<Map.Entry<ObjectId, Cached>> it = packs.entrySet().iterator();
        while (bytes > maxBytes && packs.size() > 1 && it.hasNext()) {
            Cached oldest = it.next().getValue();
            if (oldest.body.isDone() && !oldest.body.isCompletedExceptionally()) {
                bytes -= oldest.body.join().array().length;
                it.remove();
                oldest.evicted = true;
                if (oldest.readers == 0) {
                    recycle(oldest);
                }
            }
        }
    }

    /**
     * Keeps an unread array for the next fetch; beyond {@link #FREE_ARRAY_BYTES}, the smallest
     * free arrays go. Keeping the arrays freed first instead left a 2 MiB array from a small pack
     * in the free list while the 2.1 MB packs after it each needed a new 3 MiB one: a restore of
     * 50,000 small files allocated a third of its packs afresh and made three full collections.
     */
    private void recycle(Cached cached) {
        if (!cached.reusable) {
            return; // the store (over HTTP) reads into arrays of its own: none would be taken again
        }
        byte[] array = cached.body.join().array();
        freeArrays.push(array);
        freeBytes += array.length;
        while (freeBytes > FREE_ARRAY_BYTES) {
            byte[] smallest = freeArrays.peek();
            for (byte[] a : freeArrays) {
                if (a.length < smallest.length) {
                    smallest = a;
                }
            }
            freeArrays.remove(smallest);
            freeBytes -= smallest.length;
        }
    }
}
