package org.obnam.backup;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.obnam.chunking.Chunker;
import org.obnam.chunking.ChunkerParams;
import org.obnam.crypto.ChunkKind;
import org.obnam.crypto.Label;
import org.obnam.fs.Extent;
import org.obnam.fs.OpenFile;
import org.obnam.generation.ChunkRef;
import org.obnam.repository.ChunkCodec;

/**
 * Reads one file from start to end, splits it into chunks, labels each and hands it to the chunk
 * pipeline. Sparse files are read extent by extent, skipping holes. One per thread: it owns a
 * reusable buffer of a little more than the maximum chunk size ({@link Chunker.Splitter#bufferSizeFor}),
 * made at that size by the first file that needs it.
 */
final class FileReader {
    /**
     * Chunks this big are labelled on the encode pool, so that one big file is hashed on every
     * core; a smaller one costs less to label here than to hand over.
     */
    static final int LABEL_ELSEWHERE_FROM = 256 << 10;
    private final Chunker.Splitter splitter;
    private final ChunkCodec codec;
    private final ChunkPipeline pipeline;

    FileReader(ChunkerParams params, ChunkCodec codec, ChunkPipeline pipeline) {
        this.splitter = new Chunker.Splitter(params);
        this.codec = codec;
        this.pipeline = pipeline;
    }

    /** The file's chunks, in order, and how many bytes were read. */
    record Result(List<CompletableFuture<ChunkRef>> chunks, long bytesRead) {}

    /** Where a file's chunks go, in order, as they are submitted. */
    interface ChunkSink {
        void add(CompletableFuture<ChunkRef> chunk) throws InterruptedException;
    }

    /** Reads a whole file of unknown size, keeping its chunk list (for files of bounded size). */
    Result read(OpenFile file, List<Extent> extents, ChunkKind kind) throws IOException, InterruptedException {
        List<CompletableFuture<ChunkRef>> chunks = new ArrayList<>();
        long n = read(file, -1, extents, kind, chunks::add);
        return new Result(chunks, n);
    }

    /**
     * Reads a file the walk found {@code size} bytes long ({@code -1}: not known) into
     * {@code chunks} and returns the bytes read: a read that returns fewer bytes than asked for
     * and ends exactly there is taken as the end of the file, which saves a second read per
     * small file.
     */
    long read(OpenFile file, long size, List<Extent> extents, ChunkKind kind, ChunkSink chunks)
            throws IOException, InterruptedException {
        Chunker.ByteSource source = extents != null ? new ExtentSource(file, extents)
                : size >= 0 ? new SizedSource(file, size) : file::read;
        long n;
        try {
            n = splitter.split(source, (buf, off, len) -> {
                try {
                    PlaintextRing.Slice plain = pipeline.buffer(len);
                    System.arraycopy(buf, off, plain.array(), plain.offset(), len);
                    if (len >= LABEL_ELSEWHERE_FROM) {
                        chunks.add(pipeline.submitToLabel(kind, plain, len));
                    } else {
                        Label label = codec.label(kind, plain.array(), plain.offset(), len);
                        chunks.add(pipeline.submit(kind, label, plain, len));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted");
                }
            }, extents != null ? -1 : size);
        } catch (java.io.InterruptedIOException e) {
            throw new InterruptedException("interrupted while reading " + file.path());
        }
        return n;
    }

    /**
     * Reads to the end of a regular file. On Linux a read of a regular file returns fewer bytes than
     * asked for only at its end; that is trusted only when it is also where the walk saw the end,
     * so a file that grew since is still read until a read returns nothing.
     */
    static final class SizedSource implements Chunker.ByteSource {
        private final OpenFile file;
        private final long size;
        private long total;
        private boolean atEnd;

        SizedSource(OpenFile file, long size) {
            this.file = file;
            this.size = size;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (atEnd) {
                return -1;
            }
            int n = file.read(buf, off, len);
            if (n > 0) {
                total += n;
                atEnd = n < len && total == size;
            }
            return n;
        }
    }

    /** Reads the data extents of a sparse file one after another. */
    private static final class ExtentSource implements Chunker.ByteSource {
        private final OpenFile file;
        private final List<Extent> extents;
        private int index;
        private long done; // bytes read of extents.get(index)

        ExtentSource(OpenFile file, List<Extent> extents) {
            this.file = file;
            this.extents = extents;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            while (index < extents.size()) {
                Extent e = extents.get(index);
                long left = e.length() - done;
                if (left <= 0) {
                    index++;
                    done = 0;
                    continue;
                }
                int n = file.readAt(buf, off, (int) Math.min(len, left), e.offset() + done);
                if (n <= 0) {
                    throw new IOException("file " + file.path() + " shrank while it was being read");
                }
                done += n;
                return n;
            }
            return -1;
        }
    }
}
