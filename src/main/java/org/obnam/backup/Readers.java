package org.obnam.backup;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.obnam.chunking.ChunkerParams;
import org.obnam.crypto.ChunkKind;
import org.obnam.fs.Extent;
import org.obnam.fs.OpenFile;
import org.obnam.generation.ChunkRef;
import org.obnam.repository.ChunkCodec;

/**
 * A pool that reads several files at once: each thread reads one file sequentially with its own
 * {@link FileReader}. At most {@code maxOpen} files are open or being read at any time. Small
 * files are read by the thread that asks (the walker), which is cheaper than handing them over.
 */
final class Readers implements AutoCloseable {
    /**
     * The kernel reads 128 KiB ahead anyway and twice that when told a file is read sequentially,
     * so the hint only pays for bigger files; for small ones it was one more system call each.
     */
    private static final long SEQUENTIAL_HINT_ABOVE = 256 << 10;
    /** Files shorter than this are read by the thread that asks, in one read (see readSmall). */
    private static final int SMALL_FILE_MAX = 64 << 10;
    private final ExecutorService pool;
    private final ThreadLocal<FileReader> readers;
    private final int smallFileMax;
    private final ChunkCodec codec;
    private final ChunkPipeline pipeline;
    private final Semaphore open;
    private final PipelineFailure failure;

    Readers(int threads, int maxOpen, ChunkerParams params, ChunkCodec codec, ChunkPipeline pipeline, PipelineFailure failure) {
        this.pool = Executors.newFixedThreadPool(threads, ChunkPipeline.named("obnam-read"));
        this.readers = ThreadLocal.withInitial(() -> new FileReader(params, codec, pipeline));
        this.codec = codec;
        this.pipeline = pipeline;
        this.smallFileMax = Math.min(SMALL_FILE_MAX, params.minSize() - 1);
        this.open = new Semaphore(maxOpen);
        this.failure = failure;
    }

    /**
     * Reads {@code file} (which this takes over and closes; {@code size} as the walker saw it) and
     * returns its content to come.
     */
    FileContent read(OpenFile file, long size, List<Extent> extents) throws InterruptedException {
        if (extents == null && size < smallFileMax) {
            FileContent small = readSmall(file, (int) size);
            if (small != null) {
                return small;
            }
        }
        while (!open.tryAcquire(100, TimeUnit.MILLISECONDS)) {
            if (failure.failed()) {
                closeQuietly(file);
                return FileContent.of(List.of(), null, failure.cause());
            }
        }
        CompletableFuture<FileContent.Read> read = new CompletableFuture<>();
        FileContent content = new FileContent(read, failure::failed);
        try {
            pool.execute(() -> {
                try (file) {
                    if (size > SEQUENTIAL_HINT_ABOVE) {
                        file.adviseSequential();
                    }
                    long n = readers.get().read(file, size, extents, ChunkKind.DATA, content::add);
                    read.complete(new FileContent.Read(n, changedSinceOpened(file)));
                } catch (IOException e) {
                    read.completeExceptionally(new FileReadException("cannot read file " + file.path() + ": " + e.getMessage(), e));
                } catch (Throwable t) {
                    failure.report(t);
                    read.completeExceptionally(t);
                } finally {
                    open.release();
                }
            });
        } catch (RuntimeException e) {
            open.release();
            closeQuietly(file);
            throw e;
        }
        return content;
    }

    /**
     * Reads a small file on the calling thread, as its one chunk, and closes it; or returns null,
     * leaving the file open at its start for the pool, when its data is not all in the page cache
     * or its size is not what the walk saw. Handing each small file to a pool thread cost two or
     * three thread wake-ups per file (for 50,000 small files, over 100,000 futex calls); files
     * that need the disk still go to the pool, which has several reads in flight. A file shorter
     * than the chunker's minimum size is always one chunk, so the chunks are the same either way.
     */
    private FileContent readSmall(OpenFile file, int size) throws InterruptedException {
        int want = size + 1; // one byte more than the walk saw, to see that the file ends there
        PlaintextRing.Slice plain = pipeline.bufferForSmallFile(want);
        int n;
        try {
            n = file.readCachedAt(plain.array(), plain.offset(), want, 0);
        } catch (IOException e) {
            pipeline.giveBack(plain);
            closeQuietly(file);
            return FileContent.of(List.of(), null,
                    new FileReadException("cannot read file " + file.path() + ": " + e.getMessage(), e));
        }
        if (n == -1) {
            pipeline.giveBack(plain);
            closeQuietly(file);
            return FileContent.of(List.of(), new FileContent.Read(0, false));
        }
        if (n != size) { // not cached, partly cached, grown or shrunk
            pipeline.giveBack(plain);
            return null;
        }
        closeQuietly(file);
        CompletableFuture<ChunkRef> chunk = pipeline.submit(ChunkKind.DATA,
                codec.label(ChunkKind.DATA, plain.array(), plain.offset(), size), plain, size);
        return FileContent.of(List.of(chunk), new FileContent.Read(size, false));
    }

    /**
     * Whether the file's size, modification or change time differ from when it was opened: a
     * file written while it was read may be stored as a mix of old and new content, and a sparse
     * file is read by the extents it had when opened, so what it gained since is not in the backup.
     */
    static boolean changedSinceOpened(OpenFile file) {
        org.obnam.fs.FileStat before = file.openedStat();
        if (before == null) {
            return false;
        }
        org.obnam.fs.FileStat now;
        try {
            now = file.stat();
        } catch (IOException e) {
            return true; // read to its end, but whether it changed meanwhile cannot be told
        }
        return now.size() != before.size() || !now.mtime().equals(before.mtime()) || !now.ctime().equals(before.ctime());
    }

    private static void closeQuietly(OpenFile f) {
        try {
            f.close();
        } catch (IOException e) {
            // read-only
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
