package org.obnam.backup;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import org.obnam.generation.ChunkRef;

/**
 * A file's content while it is stored: its chunks in file order as its reader submits them, and
 * how the read went. The generation's writer takes stored chunks off the front as it goes, so a
 * huge file's chunk list is never in memory whole: a 256 MiB file cut into 256,000 chunks (as a
 * 256 GB one is with the default chunk size) ran a backup out of memory when the list was kept
 * until the file's end. The reader waits while {@link #LIMIT} chunks are queued.
 */
final class FileContent {
    /** What reading the file found: bytes read, and whether it changed meanwhile. */
    record Read(long bytesRead, boolean changedWhileRead) {}

    /** Chunks queued per file before its reader waits for the writer to take some. */
    static final int LIMIT = 16_384;

    private final ArrayDeque<CompletableFuture<ChunkRef>> chunks;
    private final CompletableFuture<Read> read;
    private final BooleanSupplier failed;
    /**
     * Chunks queued and not yet stored (or failed), as they complete in any order; null for
     * content known in full, whose few chunks are simply looked at (a small file's one chunk
     * costs no callback then).
     */
    private final java.util.concurrent.atomic.AtomicInteger unstored;

    FileContent(CompletableFuture<Read> read, BooleanSupplier failed) {
        this.read = read;
        this.failed = failed;
        this.chunks = new ArrayDeque<>();
        this.unstored = new java.util.concurrent.atomic.AtomicInteger();
    }

    private FileContent(CompletableFuture<Read> read, List<CompletableFuture<ChunkRef>> known) {
        this.read = read;
        this.failed = () -> false;
        this.chunks = new ArrayDeque<>(known);
        this.unstored = null;
    }

    /** Content already known in full, such as a small file's one chunk. */
    static FileContent of(List<CompletableFuture<ChunkRef>> chunks, Read read) {
        return of(chunks, read, null);
    }

    /** Content already known in full, or a read that failed with {@code failure}. */
    static FileContent of(List<CompletableFuture<ChunkRef>> chunks, Read read, Throwable failure) {
        return new FileContent(failure == null ? CompletableFuture.completedFuture(read)
                : CompletableFuture.failedFuture(failure), chunks);
    }

    /** Queues the file's next chunk; waits while {@link #LIMIT} are queued. */
    synchronized void add(CompletableFuture<ChunkRef> chunk) throws InterruptedException {
        if (unstored == null) {
            throw new IllegalStateException("the content is known in full");
        }
        while (chunks.size() >= LIMIT) {
            if (failed.getAsBoolean()) {
                throw new InterruptedException("backup failed");
            }
            wait(100);
        }
        chunks.add(chunk);
        unstored.incrementAndGet();
        chunk.whenComplete((ref, error) -> unstored.decrementAndGet());
    }

    /** Completes when the file has been read (exceptionally with a {@link FileReadException} if it could not be). */
    CompletableFuture<Read> read() {
        return read;
    }

    /** Whether the file has been read and all its chunks stored. */
    boolean isDone() {
        if (!read.isDone()) {
            return false;
        }
        if (unstored != null) {
            return unstored.get() == 0;
        }
        synchronized (this) {
            for (CompletableFuture<ChunkRef> c : chunks) {
                if (!c.isDone()) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Moves the stored chunks at the front into {@code out}, up to the first that is not; a chunk
     * that failed to be stored fails this.
     */
    synchronized void takeStored(List<ChunkRef> out) throws ExecutionException, InterruptedException {
        boolean took = false;
        while (!chunks.isEmpty() && chunks.peekFirst().isDone()) {
            out.add(chunks.pollFirst().get());
            took = true;
        }
        if (took) {
            notifyAll();
        }
    }

    /** The first chunk not yet taken, to wait for; null if none is queued. */
    synchronized CompletableFuture<ChunkRef> first() {
        return chunks.peekFirst();
    }
}
