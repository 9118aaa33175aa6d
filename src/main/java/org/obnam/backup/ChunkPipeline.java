package org.obnam.backup;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.obnam.crypto.ChunkKind;
import org.obnam.crypto.Label;
import org.obnam.generation.ChunkRef;
import org.obnam.repository.ChunkCodec;
import org.obnam.repository.PackBuffer;
import org.obnam.store.ObjectId;
import org.obnam.store.ObjectLocation;
import org.obnam.store.Store;

/**
 * Stores chunks: dedup (batched label look-ups), compress and encrypt (a pool sized to the cores),
 * pack, upload (several packs in flight). Each submitted chunk gets a future for its place in the
 * store. Memory is bounded: submitters block while {@code byteBudget} bytes of plaintext are
 * waiting to be encoded, and chunks are sealed straight into a pool of {@code uploaders + 2} pack
 * buffers that are reused, never reallocated. So the data in memory is at most
 * {@code byteBudget + (uploaders + 2) * PackBuffer.TARGET_BYTES}, plus one compression buffer per
 * encoder.
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

    /** A chunk's plaintext is the first {@code length} bytes of {@code data}, an array of {@link #buffers}. */
    private record Pending(ChunkKind kind, Label label, byte[] data, int length, CompletableFuture<ChunkRef> result) {}

    private record Packed(Label label, int size, long offset, int length, CompletableFuture<ChunkRef> result) {}

    /** A pack with the chunks going into it and how many encoders are still writing into it. */
    private static final class OpenPack {
        final PackBuffer pack;
        final boolean pooled;
        final List<Packed> entries = new ArrayList<>();
        int writers;
        boolean sealed;
        long lastReserved = System.nanoTime();

        OpenPack(byte[] buffer, boolean pooled) {
            this.pack = new PackBuffer(buffer);
            this.pooled = pooled;
        }
    }

    private final Store store;
    private final ChunkCodec codec;
    private final PipelineFailure failure;
    private final Semaphore budget;
    private final int budgetBytes;
    private final ChunkBuffers buffers;
    private final BlockingQueue<Pending> dedupQueue = new ArrayBlockingQueue<>(4096);
    private final Thread dedupThread;
    private final ExecutorService encoders;
    private final ExecutorService uploaders;
    /** Chunks submitted and not yet stored, by label: a second copy waits for the first. */
    private final Map<Label, CompletableFuture<ChunkRef>> inFlight = new HashMap<>();
    private final Object packLock = new Object();
    private OpenPack open; // guarded by packLock
    /** Pack buffers not in use, and how many more may be made: the pool bounds the packs in memory. */
    private final java.util.ArrayDeque<byte[]> freeBuffers = new java.util.ArrayDeque<>(); // guarded by packLock
    private int buffersLeftToMake; // guarded by packLock
    private final AtomicInteger outstandingUploads = new AtomicInteger();
    private final Object uploadsDone = new Object();

    final AtomicLong storedChunks = new AtomicLong();
    final AtomicLong storedBytes = new AtomicLong();
    final AtomicLong dedupedChunks = new AtomicLong();
    final AtomicLong uploadedBytes = new AtomicLong();

    /**
     * @param byteBudget plaintext bytes that may wait to be encoded
     * @param arrayBytes the most the arrays holding that plaintext may take, in use or free: a
     *     little more than {@code byteBudget}, so that free arrays of several sizes can be kept
     */
    ChunkPipeline(Store store, ChunkCodec codec, PipelineFailure failure, int encodeThreads, int uploadThreads, int byteBudget,
            long arrayBytes) {
        this.store = store;
        this.codec = codec;
        this.failure = failure;
        this.budgetBytes = byteBudget;
        this.budget = new Semaphore(byteBudget);
        this.buffers = new ChunkBuffers(arrayBytes);
        this.encoders = Executors.newFixedThreadPool(encodeThreads, named("obnam-encode"));
        this.uploaders = Executors.newFixedThreadPool(uploadThreads, named("obnam-upload"));
        // One pack filling, one sealed and waiting for its last writers, one per uploader.
        this.buffersLeftToMake = uploadThreads + 2;
        this.dedupThread = Thread.ofPlatform().name("obnam-dedup").daemon().start(this::dedupLoop);
    }

    static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> Thread.ofPlatform().name(prefix + "-" + n.incrementAndGet()).daemon().unstarted(r);
    }

    /**
     * An array for a chunk of {@code length} bytes (perhaps longer), to fill and {@link #submit}.
     * The pipeline takes it back once the chunk is encoded.
     */
    byte[] buffer(int length) {
        return buffers.take(length);
    }

    /** Gives back an array from {@link #buffer} that was not submitted. */
    void giveBack(byte[] data) {
        buffers.give(data);
    }

    /**
     * Stores a chunk, the first {@code length} bytes of {@code data}, unless the repository (or
     * this run) already has it. Blocks while the memory budget is used up. {@code data} comes from
     * {@link #buffer} and belongs to the pipeline from now on: the caller must not touch it again.
     */
    CompletableFuture<ChunkRef> submit(ChunkKind kind, Label label, byte[] data, int length) throws InterruptedException {
        int cost = cost(data.length);
        while (!budget.tryAcquire(cost, 100, TimeUnit.MILLISECONDS)) {
            if (failure.failed()) {
                return CompletableFuture.failedFuture(failure.cause());
            }
        }
        CompletableFuture<ChunkRef> result = new CompletableFuture<>();
        Pending p = new Pending(kind, label, data, length, result);
        while (!dedupQueue.offer(p, 100, TimeUnit.MILLISECONDS)) {
            if (failure.failed()) {
                budget.release(cost);
                return CompletableFuture.failedFuture(failure.cause());
            }
        }
        return result;
    }

    private int cost(int length) {
        return Math.min(length + 256, budgetBytes);
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
                if (first.data() == null) {
                    return; // end marker
                }
                batch.add(first);
                boolean end = drainInto(batch);
                if (!end && batch.size() < LINGER_BELOW) {
                    // Chunks of small files come one at a time: a look-up per chunk cost a query
                    // and a wake-up of this thread each. Let a few more arrive first.
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

    /** Moves waiting chunks into {@code batch} without blocking; true if the end marker came. */
    private boolean drainInto(List<Pending> batch) {
        Pending more;
        while (batch.size() < DEDUP_BATCH && (more = dedupQueue.poll()) != null) {
            if (more.data() == null) {
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

    /** Gives back the chunk's memory: after this, its array may hold another chunk. */
    private void release(Pending p) {
        budget.release(cost(p.data().length));
        buffers.give(p.data());
    }

    private void encode(Pending p) {
        try {
            if (failure.failed()) {
                throw failure.cause();
            }
            ChunkCodec.Prepared prepared = codec.prepare(p.kind(), p.label(), p.data(), 0, p.length());
            int length = prepared.blobLength();
            OpenPack target;
            List<OpenPack> ready = new ArrayList<>(2);
            int offset;
            synchronized (packLock) {
                // Waiting for a buffer releases the lock, so check the open pack afresh after every wait.
                while (open == null || !open.pack.fits(length)) {
                    if (open != null) {
                        addIfReady(ready, seal(open));
                        open = null;
                    }
                    open = tryNewPack(length);
                    if (open == null) {
                        awaitFreeBuffer();
                    }
                }
                target = open;
                offset = target.pack.reserve(p.label(), length);
                target.lastReserved = System.nanoTime();
                target.writers++;
                target.entries.add(new Packed(p.label(), p.length(), offset, length, p.result()));
                if (target.pack.isFull()) {
                    seal(target); // this thread is still writing: the last writer uploads it
                    open = null;
                }
            }
            for (OpenPack pack : ready) {
                upload(pack);
            }
            Throwable sealFailure = null;
            try {
                codec.sealInto(prepared, target.pack.buffer(), offset);
            } catch (Throwable t) {
                // Fail the run before the pack can be stored: a half-written blob must never be uploaded.
                failure.report(t);
                sealFailure = t;
            }
            boolean last;
            synchronized (packLock) {
                target.writers--;
                last = target.sealed && target.writers == 0;
            }
            if (last) {
                upload(target); // after a failure this only returns the buffer to the pool
            }
            if (sealFailure != null) {
                throw sealFailure;
            }
            release(p);
        } catch (Throwable t) {
            failure.report(t);
            fail(p.label(), p.result(), t);
        }
    }

    private static void addIfReady(List<OpenPack> ready, OpenPack pack) {
        if (pack != null) {
            ready.add(pack);
        }
    }

    /** Marks a pack sealed; returns it when it can be uploaded now (no writer is still in it). */
    private OpenPack seal(OpenPack pack) {
        pack.sealed = true;
        return pack.writers == 0 ? pack : null;
    }

    /** A pack with room for {@code length} bytes, or null when every pooled buffer is in use. */
    private OpenPack tryNewPack(int length) {
        if (length > PackBuffer.TARGET_BYTES) {
            return new OpenPack(new byte[length], false); // a chunk larger than a pack has one to itself
        }
        if (!freeBuffers.isEmpty()) {
            return new OpenPack(freeBuffers.pop(), true);
        }
        if (buffersLeftToMake > 0) {
            buffersLeftToMake--;
            return new OpenPack(new byte[PackBuffer.TARGET_BYTES], true);
        }
        return null;
    }

    /** Waits (releasing the pack lock) until an upload returns a buffer; the caller holds the lock. */
    private void awaitFreeBuffer() throws InterruptedException {
        if (failure.failed()) {
            throw new InterruptedException("backup failed");
        }
        packLock.wait(100);
    }

    private void returnBuffer(OpenPack pack) {
        if (pack.pooled) {
            synchronized (packLock) {
                freeBuffers.push(pack.pack.buffer());
                packLock.notifyAll();
            }
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
        OpenPack toUpload = null;
        synchronized (packLock) {
            if (open == null || open.pack.isEmpty()
                    || System.nanoTime() - open.lastReserved < idleMillis * 1_000_000L) {
                return;
            }
            toUpload = seal(open);
            open = null;
        }
        if (toUpload != null) {
            upload(toUpload);
        }
    }

    private void upload(OpenPack pack) {
        outstandingUploads.incrementAndGet();
        uploaders.execute(() -> {
            try {
                if (failure.failed()) {
                    throw failure.cause();
                }
                ObjectId id = store.put(pack.pack.meta(), pack.pack.buffer(), pack.pack.size());
                uploadedBytes.addAndGet(pack.pack.size());
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
                returnBuffer(pack);
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
        dedupQueue.put(new Pending(null, null, null, 0, null));
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
    }
}
