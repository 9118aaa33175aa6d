package org.obnam.restore;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.obnam.generation.ChunkRef;
import org.obnam.store.ObjectId;
import org.obnam.store.Store;
import org.obnam.store.StoreException;

/**
 * Windows of packs, each read once and shared by the restore threads: the chunks of many small
 * files sit next to each other in a pack, and reading them in one request instead of one per
 * chunk is what makes restoring small files fast (above all from a server).
 *
 * <p>The restore plans a span for each small chunk a little ahead of handing the chunks out, in
 * order ({@link Planner}): consecutive chunks of a pack share a span while it stays within
 * {@link #WINDOW_BYTES}, and a thread asking for a chunk that no cached window holds reads its
 * span. The small last chunk of a big file, whose neighbours are not small, has a span of its
 * own, and so has a chunk that a later file shares with an earlier one. Packs used to be read
 * whole: a cached 8 MiB pack, the next one being read and up to 18 MiB of free arrays kept for
 * the packs after them held 35 MiB of a restore of middling files, where windows hold a few MiB.
 *
 * <p>A window is an array of {@link #WINDOW_BYTES} unless it is short ({@link #SMALL_WINDOW}); the
 * arrays of evicted windows are reused once no thread reads them (a {@link Lease} is open while
 * one does), since a fresh array per window would go to the old generation and be garbage soon
 * after. Holds windows, as many as the arrays of {@code threads + 2} full windows take (ten at
 * most), evicting first those whose planned chunks have all been asked for, then the least
 * recently used (see {@link #evict}). Thread-safe; threads asking for chunks in a window still being read
 * wait for that read instead of reading it again.
 */
final class PackCache {
    /** Chunks at least this large are read on their own: reading them with others would not help. */
    static final int SMALL_CHUNK = 256 << 10;
    /** The most one window reads; holds any small chunk. */
    static final int WINDOW_BYTES = 1 << 20;
    /**
     * Windows shorter than this get an array of their own, which dies young: such as the small
     * last chunk of a big file, or a chunk that a later file shares, which has a span of its own.
     * A reused array of {@link #WINDOW_BYTES} for each of them made a bulk restore peak 1.6 MiB
     * higher, and reading them alone instead, uncached, read a tiny file's chunk that 400 later
     * files share 400 times.
     */
    static final int SMALL_WINDOW = 256 << 10;
    /** Spans that the planner lets chunks join: each chunk planned searches them. */
    private static final int RECENT_SPANS = 16;
    /** Windows cached at most, however short: each chunk asked for searches them. */
    private static final int MOST_WINDOWS = 64;
    /** Free arrays kept for the next windows: two threads' leases often end together. */
    private static final int FREE_ARRAYS = 2;

    /** Whether {@code ref} is read through a window. */
    static boolean isSmall(ChunkRef ref) {
        return ref.length() < SMALL_CHUNK && ref.size() < SMALL_CHUNK;
    }

    /**
     * What the windows of a restore with {@code threads} threads hold: cached, being read (one per
     * thread; threads beyond eight mostly share the windows of the others, since they take chunks
     * in the order they are planned) and free.
     */
    static long bytesFor(int threads) {
        return (long) (maxWindows(threads) + Math.min(threads, 8) + FREE_ARRAYS) * WINDOW_BYTES;
    }

    private static int maxWindows(int threads) {
        return Math.clamp(threads, 1, 8) + 2;
    }

    /** A window, readable until the lease is closed. */
    final class Lease implements AutoCloseable {
        private final Window window;
        private boolean closed;

        private Lease(Window window) {
            this.window = window;
        }

        /** The array the window is in: the chunk {@code ref} starts at {@link #offsetOf offsetOf(ref)}. */
        byte[] body() {
            return window.array;
        }

        int offsetOf(ChunkRef ref) {
            return Math.toIntExact(ref.offset() - window.start);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release(window);
            }
        }
    }

    private static final class Window {
        final Span span; // the span it was read for, in the same pack
        final long start;
        final long end;
        final CompletableFuture<Void> read = new CompletableFuture<>();
        byte[] array; // set before read completes; null once given back after a failed read
        int readers; // guarded by the cache: leases open, and threads waiting for the read
        boolean evicted; // guarded by the cache

        Window(Span span, long start, long end) {
            this.span = span;
            this.start = start;
            this.end = end;
        }

        /** Whether it gets an array of its own rather than a reused one of {@link #WINDOW_BYTES}. */
        boolean isShort() {
            return end - start < SMALL_WINDOW;
        }

        /** The bytes its array takes. */
        long cost() {
            return isShort() ? end - start : WINDOW_BYTES;
        }

        boolean holds(ChunkRef ref) {
            return span.object.equals(ref.object()) && ref.offset() >= start && ref.offset() + ref.length() <= end;
        }
    }

    private final Store store;
    /**
     * What the cached windows' arrays may take: {@code threads + 2} full windows. Files that two
     * backup threads wrote take turns between two packs, and where both packs' windows end, the
     * last chunks of two old windows and the first of two new ones are wanted at once; with
     * {@code threads + 1} a restore of 3,000 tiny files read one of them again in 2 tries of 30.
     */
    private final long maxBytes;
    /** Most recently used first; includes windows still being read. */
    private final ArrayDeque<Window> windows = new ArrayDeque<>();
    private long bytes; // the cost of the windows

    private final ArrayDeque<byte[]> freeArrays = new ArrayDeque<>();

    PackCache(Store store, int threads) {
        this.store = store;
        this.maxBytes = (long) maxWindows(threads) * WINDOW_BYTES;
    }

    /**
     * Where a window read for a chunk starts and ends: it grows while the planner adds chunks to
     * it, and a window read before it is complete holds what it held then.
     */
    static final class Span {
        final ObjectId object;
        final long start;
        private volatile long end;
        /** Where the windows read for this span end, at most; guarded by the cache. */
        private long readEnd;
        /** Chunks planned in this span and not yet asked for: its windows are kept while there are any. */
        private final AtomicInteger unserved = new AtomicInteger();

        private Span(ObjectId object, long start, long end) {
            this.object = object;
            this.start = start;
            this.end = end;
            this.readEnd = start;
        }
    }

    /**
     * Gives each small chunk its span, in the order the chunks are handed out; for one thread. A
     * chunk joins the recent span of its pack that starts nearest before it and holds it within
     * {@link #WINDOW_BYTES}, or starts a span of its own. Files are not always in their pack in
     * the order they are restored (two threads fill one pack), and chunks that later files share
     * with earlier ones point back into it: with only the newest span of a pack open, one chunk
     * placed ahead of the others in a 50,000-file backup left the files behind it a span each,
     * 3,300 reads instead of 400.
     */
    static final class Planner {
        /** Spans that chunks may still join, the most recent first. */
        private final ArrayDeque<Span> recent = new ArrayDeque<>();

        Span spanFor(ChunkRef ref) {
            long end = ref.offset() + ref.length();
            Span nearest = null;
            for (Span s : recent) {
                if (s.object.equals(ref.object()) && ref.offset() >= s.start && end <= s.start + WINDOW_BYTES
                        && (nearest == null || s.start > nearest.start)) {
                    nearest = s;
                }
            }
            if (nearest != null) {
                if (end > nearest.end) {
                    nearest.end = end;
                }
                nearest.unserved.incrementAndGet();
                return nearest;
            }
            Span fresh = new Span(ref.object(), ref.offset(), end);
            fresh.unserved.incrementAndGet();
            recent.addFirst(fresh);
            if (recent.size() > RECENT_SPANS) {
                recent.removeLast();
            }
            return fresh;
        }
    }

    /**
     * A window holding the small chunk {@code ref}, whose span is {@code span}: a cached one, or
     * the span read now. Readable until the lease is closed.
     */
    Lease windowFor(Span span, ChunkRef ref) throws StoreException, InterruptedException {
        Window window;
        boolean read = false;
        synchronized (this) {
            window = cached(ref);
            if (window == null) {
                // A thread may have read the span before the planner added the chunks after it, and
                // those chunks then read only what is new; a chunk before that is read again from
                // itself (its window was evicted). Reading the span from its start each time read
                // the 50,000-file benchmark's chunks 1.6 times over.
                long from = ref.offset() >= span.readEnd ? span.readEnd : ref.offset();
                window = new Window(span, from, span.end);
                span.readEnd = Math.max(span.readEnd, window.end);
                windows.addFirst(window);
                bytes += window.cost();
                evict();
                read = true;
            }
            window.readers++; // before waiting: an eviction meanwhile must not reuse the array
            span.unserved.decrementAndGet();
        }
        Lease lease = new Lease(window);
        try {
            if (read) {
                read(window);
            }
            window.read.get();
            return lease;
        } catch (ExecutionException e) {
            lease.close();
            if (e.getCause() instanceof StoreException s) {
                throw s;
            }
            if (e.getCause() instanceof Error error) {
                throw error; // out of memory, say: the caller names it as such
            }
            throw new StoreException("cannot read object " + ref.object() + ": " + e.getCause(), e.getCause());
        } catch (StoreException | InterruptedException | RuntimeException | Error e) {
            lease.close();
            throw e;
        }
    }

    /** The cached window holding {@code ref}, made the most recently used; the cache's lock is held. */
    private Window cached(ChunkRef ref) {
        for (Iterator<Window> it = windows.iterator(); it.hasNext();) {
            Window w = it.next();
            if (w.holds(ref) && !w.read.isCompletedExceptionally()) {
                it.remove();
                windows.addFirst(w);
                return w;
            }
        }
        return null;
    }

    private void read(Window window) throws StoreException {
        byte[] array = null;
        try {
            int length = Math.toIntExact(window.end - window.start);
            array = window.isShort() ? new byte[length] : takeArray();
            store.readRange(window.span.object, window.start, length, array);
            window.array = array;
            window.read.complete(null);
        } catch (Throwable e) {
            // Whatever went wrong, out of memory included, the threads waiting for this read must
            // hear of it: a read that never completed would leave them waiting for ever.
            window.read.completeExceptionally(e);
            synchronized (this) {
                if (windows.remove(window)) { // the next thread asking reads it again
                    bytes -= window.cost();
                }
                if (array != null) {
                    keepFree(array);
                }
            }
            throw e;
        }
    }

    private synchronized byte[] takeArray() {
        byte[] array = freeArrays.poll();
        return array != null ? array : new byte[WINDOW_BYTES];
    }

    private synchronized void release(Window window) {
        window.readers--;
        if (window.readers == 0 && window.evicted) {
            recycle(window);
        }
    }

    /**
     * Evicts windows that are read, while the windows take more than their budget or are too many
     * to search: first those whose spans have no chunks left to serve, then the least recently
     * used; their arrays are reused once unread. Counted by bytes, not windows: the short windows
     * of chunks that many files share, three of them in a cache of three windows, evicted the
     * window of the files between them before its last chunks were restored, and it was read
     * again. Served spans first: files written by two backup threads take turns between two
     * packs, and where both packs' windows end, the next two were read while the last chunks of
     * the old ones waited; least recently used alone then evicted an old window that still had
     * chunks to serve rather than the one that had served its last, and a restore of 3,000 tiny
     * files read its 2.7 MB of chunks as up to 6.5 MB in one try of four.
     */
    private void evict() {
        evict(true);
        evict(false);
    }

    private void evict(boolean onlyServed) {
        for (Iterator<Window> it = windows.descendingIterator(); (bytes > maxBytes || windows.size() > MOST_WINDOWS)
                && it.hasNext();) {
            Window oldest = it.next();
            if (oldest.read.isDone() && (!onlyServed || oldest.span.unserved.get() <= 0)) {
                it.remove();
                bytes -= oldest.cost();
                oldest.evicted = true;
                if (oldest.readers == 0) {
                    recycle(oldest);
                }
            }
        }
    }

    private void recycle(Window window) {
        if (window.array != null && !window.read.isCompletedExceptionally()) {
            keepFree(window.array);
        }
    }

    private void keepFree(byte[] array) {
        if (array.length == WINDOW_BYTES && freeArrays.size() < FREE_ARRAYS) {
            freeArrays.push(array);
        }
    }
}
