package org.obnam.restore;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.obnam.store.ObjectId;
import org.obnam.store.Store;
import org.obnam.store.StoreException;

/**
 * Whole packs, fetched once and shared by the restore threads: many small files' chunks sit in
 * one pack, and reading it in one request instead of one per chunk is what makes restoring small
 * files fast (above all from a server). A pack is fetched whole only from the second small chunk
 * asked for in it on: the first is read alone, so that the small last chunk of a big file does
 * not cost a whole pack of big chunks read for nothing (and as much garbage for the collector).
 * Holds at most {@code maxBytes} of packs, least recently used first out. Thread-safe; concurrent requests for one pack share a single fetch. A pack that
 * fails the store's checksum is remembered as damaged, so callers fall back to reading their
 * chunks one by one: each chunk's own authentication decides what is still good.
 */
final class PackCache {
    /** Chunks at least this large are read on their own: caching their pack would not help. */
    static final int SMALL_CHUNK = 256 << 10;

    private final Store store;
    private final long maxBytes;
    private final LinkedHashMap<ObjectId, CompletableFuture<byte[]>> packs = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
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
     * The whole body of {@code id}, fetched if not already cached; or null the first time a small
     * chunk of that pack is asked for, when the caller should read the chunk alone.
     */
    byte[] bodyForSmallChunk(ObjectId id) throws StoreException, InterruptedException {
        CompletableFuture<byte[]> future;
        boolean fetch = false;
        synchronized (this) {
            future = packs.get(id);
            if (future == null) {
                if (askedOnce.put(id, Boolean.TRUE) == null) {
                    return null;
                }
                future = new CompletableFuture<>();
                packs.put(id, future);
                fetch = true;
            }
        }
        if (fetch) {
            try {
                byte[] body = store.get(id).body();
                future.complete(body);
                synchronized (this) {
                    bytes += body.length;
                    evict();
                }
            } catch (StoreException | RuntimeException e) {
                future.completeExceptionally(e);
                if (!(e instanceof StoreException.Corrupt)) {
                    // Remembered when damaged (callers then read chunk by chunk); otherwise retried.
                    synchronized (this) {
                        packs.remove(id, future);
                    }
                }
                throw e;
            }
        }
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StoreException s) {
                throw s;
            }
            throw new StoreException("cannot read object " + id + ": " + e.getCause(), e.getCause());
        }
    }

    private void evict() {
        var it = packs.entrySet().iterator();
        while (bytes > maxBytes && packs.size() > 1 && it.hasNext()) {
            Map.Entry<ObjectId, CompletableFuture<byte[]>> oldest = it.next();
            CompletableFuture<byte[]> f = oldest.getValue();
            if (f.isDone() && !f.isCompletedExceptionally()) {
                bytes -= f.join().length;
                it.remove();
            }
        }
    }
}
