package org.obnam.backup;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.obnam.crypto.ChunkKind;
import org.obnam.crypto.Label;
import org.obnam.generation.ChunkRef;
import org.obnam.repository.ChunkCodec;
import org.obnam.repository.PackLayout;
import org.obnam.store.ObjectDraft;
import org.obnam.store.ObjectId;
import org.obnam.store.ObjectLocation;
import org.obnam.store.Store;
import org.obnam.store.StoreException;

/**
 * Stores chunks: dedup (batched label look-ups), compress and encrypt (a pool sized to the cores),
 * pack, upload (several packs in flight). Each submitted chunk gets a future for its place in the
 * store. Memory is bounded: submitters block while plaintext waiting to be encoded fills a ring
 * of {@code plaintextBytes}, and at most {@code uploaders + 2} packs are open at once.
 *
 * <p>A pack is not assembled in memory: it is a {@link ObjectDraft} of the store, and each blob is
 * written to its place in it as soon as it is sealed. A blob larger than {@link #SMALL_BLOB} is
 * encrypted and written in pieces through a small buffer of its encoder; smaller ones are sealed
 * into a shared staging window of {@link #WINDOW_BYTES} that is written when it is full and its
 * last writer is done, so the blobs of small files do not cost a write each. So the data in
 * memory is at most {@code plaintextBytes}, plus per encoder a compression buffer of a chunk and a
 * piece buffer, plus {@code encoders + 2} windows; a store whose drafts live in memory adds its
 * open packs.
 *
 * <pre>
 * submit ──▶ dedup thread ──▶ encode pool ──▶ open pack ──▶ upload pool ──▶ futures complete
 *              │ label known: complete at once
 * </pre>
 */
final class ChunkPipeline implements AutoCloseable {
    private static final int DEDUP_BATCH = 512;
    private static final int LINGER_BELOW = 64;
    private static final long LINGER_NANOS = 1_000_000;
    /** A batch of this many bytes is not held back for company. */
    private static final long LINGER_BYTES_BELOW = 256 << 10;

    /** A chunk's plaintext is the first {@code length} bytes of {@code plain}, a slice of {@link #plaintext}. */
    private record Pending(ChunkKind kind, Label label, PlaintextRing.Slice plain, int length, CompletableFuture<ChunkRef> result) {}

    /** Blobs up to this size are staged in a window; larger ones are written on their own. */
    static final int SMALL_BLOB = 256 << 10;
    static final int WINDOW_BYTES = 1 << 20;
    /** Larger blobs are sealed and written in pieces of this size: as large as the store's own write slices. */
    static final int SEAL_PIECE = 256 << 10;

    private record Packed(Label label, int size, long offset, int length, CompletableFuture<ChunkRef> result) {}

    /**
     * A pack with the chunks going into it and how many threads are still writing into it: an
     * encoder sealing a blob, or a thread writing out a window. It is committed once it is sealed
     * and the last of them is done.
     */
    private static final class OpenPack {
        final ObjectDraft draft;
        final PackLayout layout = new PackLayout();
        final List<Packed> entries = new ArrayList<>();
        Window window; // the window small blobs go into next, or null
        int writers;
        boolean sealed;
        long lastReserved = System.nanoTime();

        OpenPack(ObjectDraft draft) {
            this.draft = draft;
        }
    }

    /** Consecutive small blobs of a pack, from {@code start} in its body, sealed here and written together. */
    private static final class Window {
        final byte[] buffer;
        final long start;
        int used;
        int writers;

        Window(byte[] buffer, long start) {
            this.buffer = buffer;
            this.start = start;
        }

        boolean fits(int length) {
            return used + length <= buffer.length;
        }
    }

    /** Where an encoder puts its blob: into a window, or (window null) in pieces straight into the pack. */
    private record Reservation(OpenPack pack, long offset, Window window) {}

    private record WindowWrite(OpenPack pack, Window window) {}

    /** Work a thread took on under the pack lock, to do after releasing it. */
    private static final class Duties {
        final List<WindowWrite> windows = new ArrayList<>(2);
        final List<OpenPack> toCommit = new ArrayList<>(2);

        boolean isEmpty() {
            return windows.isEmpty() && toCommit.isEmpty();
        }
    }

    private final Store store;
    private final ChunkCodec codec;
    private final PipelineFailure failure;
    private final PlaintextRing plaintext;
    /** One look-up's worth: chunks waiting here longer only lived long enough to be promoted (see BackupRun). */
    private final BlockingQueue<Pending> dedupQueue = new ArrayBlockingQueue<>(DEDUP_BATCH);
    private final Thread dedupThread;
    private final ExecutorService encoders;
    private final ExecutorService uploaders;
    /** Chunks submitted and not yet stored, by label: a second copy waits for the first. */
    private final Map<Label, CompletableFuture<ChunkRef>> inFlight = new HashMap<>();
    private final Object packLock = new Object();
    private OpenPack open; // guarded by packLock
    /** Packs that may still be opened: packs in flight are bounded, in memory or on disk. */
    private int packsLeft; // guarded by packLock
    private final Set<OpenPack> livePacks = new HashSet<>(); // guarded by packLock
    /** Window buffers not in use, and how many more may be made. */
    private final ArrayDeque<byte[]> freeWindows = new ArrayDeque<>(); // guarded by packLock
    private int windowsLeftToMake; // guarded by packLock
    /** Each encoder's buffer for the pieces of a blob written on its own. */
    private final ThreadLocal<byte[]> sealBuffer = ThreadLocal.withInitial(() -> new byte[SEAL_PIECE]);
    /**
     * Each encoder's buffer for compressed chunks: big enough for a small blob until the first
     * larger chunk, then for the largest chunk. A buffer of the largest size from the start took
     * 4 MiB per encoder in backups of small files, which never need it.
     */
    private final ThreadLocal<byte[]> compressionBuffer = ThreadLocal.withInitial(() -> new byte[0]);
    private final int largestCompressed;
    /** What a small blob's compression needs: the first size of an encoder's buffer. */
    private final int smallCompressed;
    /** Chunks given to the encode pool to label and not yet in the dedup queue. */
    private final AtomicInteger labelling = new AtomicInteger();
    private final AtomicInteger outstandingUploads = new AtomicInteger();
    private final Object uploadsDone = new Object();

    final AtomicLong storedChunks = new AtomicLong();
    final AtomicLong storedBytes = new AtomicLong();
    final AtomicLong dedupedChunks = new AtomicLong();
    final AtomicLong uploadedBytes = new AtomicLong();
    /** Plaintext handed to the pipeline so far: what the readers have read, for a progress display. */
    final java.util.concurrent.atomic.LongAdder submittedBytes = new java.util.concurrent.atomic.LongAdder();

    /**
     * @param plaintextBytes the size of the ring that plaintext waits in to be encoded: at least
     *     the largest chunk, better a few chunks per encoder more
     * @param largestChunk the longest chunk that will be submitted
     */
    ChunkPipeline(Store store, ChunkCodec codec, PipelineFailure failure, int encodeThreads, int uploadThreads,
            int plaintextBytes, int largestChunk) {
        this.store = store;
        this.codec = codec;
        this.failure = failure;
        this.plaintext = new PlaintextRing(plaintextBytes, failure::failed);
        this.largestCompressed = ChunkCodec.compressionBufferLength(largestChunk);
        this.smallCompressed = smallBlobBufferLength(largestCompressed);
        this.encoders = Executors.newFixedThreadPool(encodeThreads, named("obnam-encode"));
        this.uploaders = Executors.newFixedThreadPool(uploadThreads, named("obnam-upload"));
        // One pack filling, one sealed and waiting for its last writers, one per uploader.
        this.packsLeft = uploadThreads + 2;
        // One window filling, one per encoder still sealing into a closed one, one being written.
        this.windowsLeftToMake = encodeThreads + 2;
        this.dedupThread = Thread.ofPlatform().name("obnam-dedup").daemon().start(this::dedupLoop);
    }

    static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> Thread.ofPlatform().name(prefix + "-" + n.incrementAndGet()).daemon().unstarted(r);
    }

    /**
     * Room for a chunk of {@code length} bytes, to fill and {@link #submit}. Blocks while the
     * plaintext waiting to be encoded fills the ring: that is what bounds the bytes in flight.
     * The pipeline takes the slice back once the chunk is encoded.
     *
     * @throws InterruptedException if interrupted, or if the run failed while waiting
     */
    PlaintextRing.Slice buffer(int length) throws InterruptedException {
        return plaintext.take(length, true);
    }

    /**
     * Like {@link #buffer}, for a small file the walker reads itself: waits for room instead of
     * making the ring full-size (see {@link PlaintextRing}).
     */
    PlaintextRing.Slice bufferForSmallFile(int length) throws InterruptedException {
        return plaintext.take(length, false);
    }

    /**
     * Says that no more than {@code bytes} of plaintext, in chunks of at most {@code largestChunk},
     * will be submitted from now on, so that the ring's array is made, or grows, no bigger than
     * that, nor than two such chunks: the generation's database comes last, in chunks of 256 KiB
     * on average and at most 1 MiB, and 2 MiB hold enough of them to keep the encoders busy. An
     * unchanged backup stores nothing else, and a bigger array would be zeroed and resident for
     * nothing (8 MiB for a database of 14 MiB).
     */
    void expectPlaintextAtMost(long bytes, int largestChunk) {
        plaintext.expectAtMost(Math.min(bytes, 2L * largestChunk));
    }

    /** Gives back a slice from {@link #buffer} that was not submitted. */
    void giveBack(PlaintextRing.Slice slice) {
        plaintext.give(slice);
    }

    /**
     * Stores a chunk, the first {@code length} bytes of {@code plain}, unless the repository (or
     * this run) already has it. {@code plain} comes from {@link #buffer} and belongs to the
     * pipeline from now on, even if this throws: the caller must not touch it again.
     */
    CompletableFuture<ChunkRef> submit(ChunkKind kind, Label label, PlaintextRing.Slice plain, int length)
            throws InterruptedException {
        submittedBytes.add(length);
        CompletableFuture<ChunkRef> result = new CompletableFuture<>();
        Pending p = new Pending(kind, label, plain, length, result);
        try {
            if (!enqueue(p)) {
                plaintext.give(plain);
                return CompletableFuture.failedFuture(failure.cause());
            }
        } catch (InterruptedException e) {
            plaintext.give(plain); // a slice never given back would stall the ring
            throw e;
        }
        return result;
    }

    /**
     * Like {@link #submit}, but the chunk is labelled on the encode pool. For the big chunks of a
     * big file: its one reader also hashing every chunk made reading one file the bottleneck
     * (an unchanged 1 GiB file re-read at 1.1 GB/s on one core, the encoders idle since all of
     * its chunks were known).
     */
    CompletableFuture<ChunkRef> submitToLabel(ChunkKind kind, PlaintextRing.Slice plain, int length) {
        submittedBytes.add(length);
        CompletableFuture<ChunkRef> result = new CompletableFuture<>();
        labelling.incrementAndGet();
        try {
            encoders.execute(() -> {
                try {
                    Label label = codec.label(kind, plain.array(), plain.offset(), length);
                    if (!enqueue(new Pending(kind, label, plain, length, result))) {
                        plaintext.give(plain);
                        result.completeExceptionally(failure.cause());
                    }
                } catch (Throwable t) {
                    plaintext.give(plain);
                    failure.report(t);
                    result.completeExceptionally(t);
                } finally {
                    labelled();
                }
            });
        } catch (RuntimeException e) { // the pool was shut down: the run is failing
            plaintext.give(plain);
            labelled();
            failure.report(e);
            result.completeExceptionally(e);
        }
        return result;
    }

    private void labelled() {
        if (labelling.decrementAndGet() == 0) {
            synchronized (labelling) {
                labelling.notifyAll();
            }
        }
    }

    /** Puts a chunk in the dedup queue, waiting for room; false if the run failed meanwhile. */
    private boolean enqueue(Pending p) throws InterruptedException {
        while (!dedupQueue.offer(p, 100, TimeUnit.MILLISECONDS)) {
            if (failure.failed()) {
                return false;
            }
        }
        return true;
    }

    private void dedupLoop() {
        List<Pending> batch = new ArrayList<>(DEDUP_BATCH);
        try {
            while (true) {
                Pending first = dedupQueue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (failure.failed()) {
                        return;
                    }
                    continue;
                }
                if (first.plain() == null) {
                    return; // end marker
                }
                batch.add(first);
                boolean end = drainInto(batch);
                if (!end && batch.size() < LINGER_BELOW && bytes(batch) < LINGER_BYTES_BELOW) {
                    // Chunks of small files come one at a time: a look-up per chunk cost a query
                    // and a wake-up of this thread each. Let a few more arrive first. Not for a
                    // batch of big chunks: those come a millisecond or more apart anyway, and
                    // their ring slices waited for nothing meanwhile (bulk first
                    // backup 1.17 -> 1.145 s and 1.23 -> 1.145 s, medians of eight alternating runs).
                    LockSupport.parkNanos(LINGER_NANOS);
                    end = drainInto(batch);
                }
                dedup(batch);
                batch.clear();
                if (end) {
                    return;
                }
            }
        } catch (Throwable t) {
            failure.report(t);
            for (Pending p : batch) {
                p.result().completeExceptionally(t);
            }
        }
    }

    private static long bytes(List<Pending> batch) {
        long total = 0;
        for (Pending p : batch) {
            total += p.length();
        }
        return total;
    }

    /** Moves waiting chunks into {@code batch} without blocking; true if the end marker came. */
    private boolean drainInto(List<Pending> batch) {
        Pending more;
        while (batch.size() < DEDUP_BATCH && (more = dedupQueue.poll()) != null) {
            if (more.plain() == null) {
                return true;
            }
            batch.add(more);
        }
        return false;
    }

    private void dedup(List<Pending> batch) throws Exception {
        List<String> unknown = new ArrayList<>();
        synchronized (inFlight) {
            for (Pending p : batch) {
                if (!inFlight.containsKey(p.label())) {
                    unknown.add(p.label().hex());
                }
            }
        }
        Map<String, ObjectLocation> found = unknown.isEmpty() ? Map.of() : store.findLabels(unknown);
        for (Pending p : batch) {
            CompletableFuture<ChunkRef> earlier;
            synchronized (inFlight) {
                earlier = inFlight.get(p.label());
                if (earlier == null) {
                    ObjectLocation loc = found.get(p.label().hex());
                    if (loc == null) {
                        inFlight.put(p.label(), p.result());
                    } else {
                        release(p);
                        dedupedChunks.incrementAndGet();
                        p.result().complete(new ChunkRef(p.label(), loc.object(), loc.offset(),
                                Math.toIntExact(loc.length()), p.length()));
                        continue;
                    }
                }
            }
            if (earlier != null) {
                release(p);
                dedupedChunks.incrementAndGet();
                earlier.whenComplete((ref, err) -> {
                    if (err != null) {
                        p.result().completeExceptionally(err);
                    } else {
                        p.result().complete(ref);
                    }
                });
                continue;
            }
            encoders.execute(() -> encode(p));
        }
    }

    /** This encoder's compression buffer, grown if {@code length} bytes of {@code kind} need it. */
    private byte[] compressionBufferFor(ChunkKind kind, int length) {
        byte[] buffer = compressionBuffer.get();
        // The usual cases without computing the chunk's bound (a native call): a buffer of the
        // largest size, or a small chunk and a buffer for small blobs.
        if (buffer.length >= largestCompressed || (length <= SMALL_BLOB && buffer.length >= smallCompressed)) {
            return buffer;
        }
        int size = compressionBufferLength(kind, length, buffer.length, largestCompressed);
        if (size != buffer.length) {
            buffer = new byte[size];
            compressionBuffer.set(buffer);
        }
        return buffer;
    }

    /** A compression buffer that holds any small blob, no longer than one for the largest chunk. */
    private static int smallBlobBufferLength(int largestCompressed) {
        return Math.min(ChunkCodec.compressionBufferLength(SMALL_BLOB), largestCompressed);
    }

    /**
     * The length of a compression buffer of {@code current} bytes once a chunk of {@code length}
     * bytes of {@code kind} comes, where the largest chunk needs {@code largestCompressed}: the
     * same if it is long enough; for a small chunk, room for any small blob; for a bigger data
     * chunk, the largest at once (data with chunks over a small blob mostly has chunks of every
     * size up to the largest, and each growth would be another long-lived array: growing by half
     * saved 15 MiB on files of 32 to 300 KiB, but with a few big files among them took 9 MiB more
     * and a full collection); for the generation's database, whose chunks come at the end and are
     * at most 1 MiB, what it needs in steps of a small blob (growing to the largest took 4 MiB
     * more per encoder at the end of every backup of small files).
     */
    static int compressionBufferLength(ChunkKind kind, int length, int current, int largestCompressed) {
        int needed = ChunkCodec.compressionBufferLength(length);
        if (current >= needed) {
            return current;
        }
        int size;
        if (length <= SMALL_BLOB) {
            size = smallBlobBufferLength(largestCompressed);
        } else if (kind == ChunkKind.DATA) {
            size = largestCompressed;
        } else {
            size = (int) Math.min(Integer.MAX_VALUE - 8, ((long) needed + SMALL_BLOB - 1) / SMALL_BLOB * SMALL_BLOB);
        }
        return Math.max(needed, size);
    }

    /** Gives back the chunk's memory: after this, its slice may hold another chunk. */
    private void release(Pending p) {
        plaintext.give(p.plain());
    }

    private void encode(Pending p) {
        try {
            if (failure.failed()) {
                throw failure.cause();
            }
            ChunkCodec.Prepared prepared = codec.prepare(p.kind(), p.label(), p.plain().array(), p.plain().offset(), p.length(),
                    codec.compresses() ? compressionBufferFor(p.kind(), p.length()) : null);
            Reservation r = reserve(p, prepared.blobLength());
            Throwable writeFailure = null;
            try {
                write(prepared, r);
            } catch (Throwable t) {
                // Fail the run before the pack can be stored: a half-written blob must never be committed.
                failure.report(t);
                writeFailure = t;
            }
            Duties duties = new Duties();
            synchronized (packLock) {
                if (r.window() != null) {
                    r.window().writers--;
                    // Closed (no longer its pack's current window) and this was its last writer.
                    if (r.pack().window != r.window() && r.window().writers == 0) {
                        takeWindow(r.pack(), r.window(), duties);
                    }
                }
                doneWriting(r.pack(), duties);
            }
            perform(duties);
            if (writeFailure != null) {
                throw writeFailure;
            }
            release(p);
        } catch (Throwable t) {
            failure.report(t);
            fail(p.label(), p.result(), t);
        }
    }

    /** Finds room for a blob in the open pack, opening a pack or window when needed; may wait. */
    private Reservation reserve(Pending p, int length) throws Exception {
        boolean small = length <= SMALL_BLOB;
        while (true) {
            Duties duties = new Duties();
            Reservation r = null;
            try {
                synchronized (packLock) {
                    if (open != null && !open.layout.fits(length)) {
                        seal(open, duties);
                        open = null;
                    }
                    if (open == null) {
                        open = tryNewPack();
                    }
                    if (open != null && small && open.window != null && !open.window.fits(length)) {
                        closeWindow(open, duties);
                    }
                    if (open != null && !small) {
                        closeWindow(open, duties); // the next small blob goes after this one
                    }
                    if (open != null && small && open.window == null) {
                        byte[] buffer = tryWindowBuffer();
                        if (buffer != null) {
                            open.window = new Window(buffer, open.layout.size());
                        }
                    }
                    if (open != null && (!small || open.window != null)) {
                        OpenPack target = open;
                        long offset = target.layout.reserve(p.label(), length);
                        target.lastReserved = System.nanoTime();
                        target.writers++;
                        target.entries.add(new Packed(p.label(), p.length(), offset, length, p.result()));
                        Window window = small ? target.window : null;
                        if (window != null) {
                            window.used += length;
                            window.writers++;
                        }
                        r = new Reservation(target, offset, window);
                        if (target.layout.isFull()) {
                            seal(target, duties); // this thread is still writing: the last writer commits it
                            open = null;
                        }
                    } else if (duties.isEmpty()) {
                        // Waiting releases the lock, so everything is checked afresh after it. A thread
                        // never waits with work it took on: others may be waiting for that.
                        awaitRoom();
                    }
                }
            } finally {
                perform(duties); // also after a failure: a sealed pack must be committed or discarded
            }
            if (r != null) {
                return r;
            }
        }
    }

    private void write(ChunkCodec.Prepared prepared, Reservation r) throws Exception {
        Window window = r.window();
        if (window != null) {
            codec.sealInto(prepared, window.buffer, (int) (r.offset() - window.start));
            return;
        }
        ObjectDraft draft = r.pack().draft;
        long offset = r.offset();
        codec.sealTo(prepared, sealBuffer.get(), (at, data, from, length) -> draft.write(offset + at, data, from, length));
    }

    /** A new pack, or null when as many are open as allowed. */
    private OpenPack tryNewPack() throws StoreException {
        if (packsLeft == 0) {
            return null;
        }
        OpenPack pack = new OpenPack(store.draft());
        packsLeft--;
        livePacks.add(pack);
        return pack;
    }

    private byte[] tryWindowBuffer() {
        if (!freeWindows.isEmpty()) {
            return freeWindows.pop();
        }
        if (windowsLeftToMake > 0) {
            windowsLeftToMake--;
            return new byte[WINDOW_BYTES];
        }
        return null;
    }

    /** Waits (releasing the pack lock) until a pack or window is given back; the caller holds the lock. */
    private void awaitRoom() throws InterruptedException {
        if (failure.failed()) {
            throw new InterruptedException("backup failed");
        }
        packLock.wait(100);
    }

    /** No more blobs go into the pack's window; if nobody is sealing into it, this thread writes it. */
    private void closeWindow(OpenPack pack, Duties duties) {
        Window window = pack.window;
        if (window == null) {
            return;
        }
        pack.window = null; // closed: a window that is not its pack's current one takes no more blobs
        if (window.writers == 0) {
            takeWindow(pack, window, duties);
        }
    }

    /** This thread writes the window out: until then it counts as a writer of the pack. */
    private static void takeWindow(OpenPack pack, Window window, Duties duties) {
        pack.writers++;
        duties.windows.add(new WindowWrite(pack, window));
    }

    /** Marks a pack sealed; it is committed once no thread is writing into it. */
    private void seal(OpenPack pack, Duties duties) {
        closeWindow(pack, duties);
        pack.sealed = true;
        if (pack.writers == 0) {
            duties.toCommit.add(pack);
        }
    }

    private static void doneWriting(OpenPack pack, Duties duties) {
        pack.writers--;
        if (pack.sealed && pack.writers == 0) {
            duties.toCommit.add(pack);
        }
    }

    /** Writes the windows and starts the commits taken on under the lock; call without holding it. */
    private void perform(Duties duties) {
        for (WindowWrite w : duties.windows) {
            OpenPack pack = w.pack();
            Window window = w.window();
            try {
                if (!failure.failed()) {
                    pack.draft.write(window.start, window.buffer, 0, window.used);
                }
            } catch (Throwable t) {
                failure.report(t);
            }
            synchronized (packLock) {
                freeWindows.push(window.buffer);
                doneWriting(pack, duties);
                packLock.notifyAll();
            }
        }
        for (OpenPack pack : duties.toCommit) {
            commit(pack);
        }
    }

    /** Seals the open pack now, so chunks waiting in it get stored without waiting for more. */
    void sealOpenPack() {
        sealOpenPackIfIdle(0);
    }

    /**
     * Seals the open pack if nothing was added to it for {@code idleMillis}: a writer waiting for
     * chunks in it would otherwise wait until it fills, while one that is still filling is left
     * to grow to full size.
     */
    void sealOpenPackIfIdle(long idleMillis) {
        Duties duties = new Duties();
        synchronized (packLock) {
            if (open == null || open.layout.isEmpty()
                    || System.nanoTime() - open.lastReserved < idleMillis * 1_000_000L) {
                return;
            }
            seal(open, duties);
            open = null;
        }
        perform(duties);
    }

    private void commit(OpenPack pack) {
        outstandingUploads.incrementAndGet();
        uploaders.execute(() -> {
            try (pack.draft) {
                if (failure.failed()) {
                    throw failure.cause();
                }
                ObjectId id = pack.draft.commit(pack.layout.meta(), pack.layout.size());
                uploadedBytes.addAndGet(pack.layout.size());
                for (Packed e : pack.entries) {
                    storedChunks.incrementAndGet();
                    storedBytes.addAndGet(e.size());
                    ChunkRef ref = new ChunkRef(e.label(), id, e.offset(), e.length(), e.size());
                    synchronized (inFlight) {
                        inFlight.remove(e.label());
                    }
                    e.result().complete(ref);
                }
            } catch (Throwable t) {
                failure.report(t);
                failAll(pack.entries, t);
            } finally {
                synchronized (packLock) {
                    livePacks.remove(pack);
                    packsLeft++;
                    packLock.notifyAll();
                }
                if (outstandingUploads.decrementAndGet() == 0) {
                    synchronized (uploadsDone) {
                        uploadsDone.notifyAll();
                    }
                }
            }
        });
    }

    private void failAll(List<Packed> entries, Throwable t) {
        for (Packed e : entries) {
            fail(e.label(), e.result(), t);
        }
    }

    private void fail(Label label, CompletableFuture<ChunkRef> result, Throwable t) {
        synchronized (inFlight) {
            inFlight.remove(label);
        }
        result.completeExceptionally(t);
    }

    /**
     * Waits until every submitted chunk is stored (or the run failed). After this, no more chunks
     * may be submitted.
     */
    void finish() throws InterruptedException {
        synchronized (labelling) {
            while (labelling.get() > 0 && !failure.failed()) { // the end marker goes after every chunk
                labelling.wait(100);
            }
        }
        if (!enqueue(new Pending(null, null, null, 0, null))) {
            dedupThread.interrupt(); // failed: the dedup thread may have stopped with the queue full
        }
        dedupThread.join();
        encoders.shutdown();
        while (!encoders.awaitTermination(100, TimeUnit.MILLISECONDS)) {
            if (failure.failed()) {
                encoders.shutdownNow();
            }
        }
        sealOpenPack();
        synchronized (uploadsDone) {
            while (outstandingUploads.get() > 0) {
                uploadsDone.wait(100);
            }
        }
    }

    @Override
    public void close() {
        encoders.shutdownNow();
        uploaders.shutdownNow();
        dedupThread.interrupt();
        // After a failure, packs never committed would leave their drafts' files behind.
        List<OpenPack> left;
        synchronized (packLock) {
            left = new ArrayList<>(livePacks);
            livePacks.clear();
        }
        for (OpenPack pack : left) {
            pack.draft.close();
        }
    }
}
