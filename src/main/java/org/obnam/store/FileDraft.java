package org.obnam.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A draft whose body is written into a local file, {@code base} bytes into it, by any number of
 * threads at once; a subclass decides what committing means. Closing a draft that was not
 * finished deletes its file.
 */
abstract class FileDraft implements ObjectDraft {
    /**
     * The JDK moves a heap buffer through a temporary direct buffer of the same size, and caches
     * only those up to jdk.nio.maxCachedBufferSize (256 KiB in our launchers): one big transfer
     * would allocate, fault in and free megabytes of native memory each time. So transfers go in
     * slices no bigger than that.
     */
    static final int IO_SLICE = 256 << 10;

    /** Files of drafts this old were left by a process that was killed. */
    static final java.time.Duration STALE = java.time.Duration.ofHours(1);

    final Path file;
    final FileChannel channel;
    final BodyPieces pieces = new BodyPieces();
    private final long base;
    private final boolean checksummed;
    private volatile boolean finished;

    /** @param checksummed whether the commit needs each piece's CRC-32C (else only its range) */
    FileDraft(Path file, FileChannel channel, long base, boolean checksummed) {
        this.file = file;
        this.channel = channel;
        this.base = base;
        this.checksummed = checksummed;
    }

    /** The error to report when writing the file failed. */
    abstract StoreException writeFailure(IOException e);

    @Override
    public final void write(long offset, byte[] data, int from, int length) throws StoreException {
        BodyPieces.checkRange(offset, length);
        checkOpen();
        try {
            writeAt(channel, ByteBuffer.wrap(data, from, length), base + offset);
        } catch (IOException e) {
            throw writeFailure(e);
        }
        pieces.add(offset, length, checksummed ? Crc32c.of(data, from, length) : 0);
    }

    void checkOpen() {
        if (finished) {
            throw new IllegalStateException("draft already committed or closed");
        }
    }

    /** No more writes: the file now belongs to the commit, and closing leaves it alone. */
    void finish() {
        finished = true;
    }

    @Override
    public void close() {
        if (!finished) {
            finished = true;
            try {
                channel.close();
            } catch (IOException e) {
                // the file is deleted anyway
            }
            deleteQuietly(file);
        }
    }

    /** Writes all of {@code buf} at {@code position}, in slices of at most {@link #IO_SLICE}. */
    static void writeAt(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        int end = buf.limit();
        while (buf.position() < end) {
            buf.limit(Math.min(end, buf.position() + IO_SLICE));
            pos += ch.write(buf, pos);
            buf.limit(end);
        }
    }

    static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort: a stray temporary file is harmless and removed later
        }
    }

    /** Deletes the regular files in {@code dir} matching {@code glob} that are older than {@link #STALE}. */
    static void removeStale(Path dir, String glob) {
        long cutoff = System.currentTimeMillis() - STALE.toMillis();
        try (java.nio.file.DirectoryStream<Path> files = Files.newDirectoryStream(dir, glob)) {
            for (Path f : files) {
                try {
                    var a = Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class,
                            java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    if (a.isRegularFile() && a.lastModifiedTime().toMillis() < cutoff) {
                        Files.deleteIfExists(f);
                    }
                } catch (IOException e) {
                    // best effort: a later run tries again
                }
            }
        } catch (IOException e) {
            // no directory yet, or unreadable: writes there will say so
        }
    }
}
