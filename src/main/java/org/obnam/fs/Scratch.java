package org.obnam.fs;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Per-thread native buffers for the hot calls (lstat, openat, getdents64, read), so that they
 * allocate nothing. Rare calls (xattrs, readlink of long targets, user look-ups) use a confined
 * arena per call instead.
 *
 * <p>Memory comes from {@link Arena#ofAuto()} rather than a confined arena: nothing would ever
 * close a per-thread confined arena, so every thread that ended would leak its buffers. Auto
 * memory is freed by the garbage collector once the thread and its Scratch are gone, and a buffer
 * that was outgrown is freed the same way.
 */
final class Scratch {
    /** Largest native I/O buffer; bigger reads and writes are done in pieces of this size. */
    static final int IO_MAX = 1 << 20;
    static final int DIRENTS_SIZE = 64 * 1024;

    private static final ThreadLocal<Scratch> CURRENT = ThreadLocal.withInitial(Scratch::new);

    /** The errno capture segment handed to every downcall. */
    final MemorySegment errno = allocate(Libc.CAPTURE_LAYOUT.byteSize());
    /** Room for a struct statx (256 bytes) or a struct stat (144). */
    final MemorySegment stat = allocate(StatxLayout.SIZE);
    private final MemorySegment times = allocate(32);
    /** One int passed by pointer (inode flags). */
    final MemorySegment word = allocate(8);
    /** One struct iovec. */
    final MemorySegment iovec = allocate(16);

    private MemorySegment path0 = allocate(512);
    private MemorySegment path1 = allocate(512);
    private MemorySegment dirents;
    private MemorySegment io;

    private Scratch() {}

    static Scratch get() {
        return CURRENT.get();
    }

    private static MemorySegment allocate(long size) {
        return Arena.ofAuto().allocate(size, 16);
    }

    int lastErrno() {
        return Libc.errno(errno);
    }

    /** {@code bytes} as a NUL-terminated string in the first path buffer. */
    MemorySegment cstr0(byte[] bytes) {
        if (path0.byteSize() <= bytes.length) {
            path0 = allocate(grow(bytes.length + 1));
        }
        return fill(path0, bytes);
    }

    /** Like {@link #cstr0} in a second buffer, for calls that take two paths. */
    MemorySegment cstr1(byte[] bytes) {
        if (path1.byteSize() <= bytes.length) {
            path1 = allocate(grow(bytes.length + 1));
        }
        return fill(path1, bytes);
    }

    private static MemorySegment fill(MemorySegment segment, byte[] bytes) {
        MemorySegment.copy(bytes, 0, segment, JAVA_BYTE, 0, bytes.length);
        segment.set(JAVA_BYTE, bytes.length, (byte) 0);
        return segment;
    }

    MemorySegment dirents() {
        if (dirents == null) {
            dirents = allocate(DIRENTS_SIZE);
        }
        return dirents;
    }

    /** A buffer of at least min(wanted, IO_MAX) bytes; it grows on demand and is then kept. */
    MemorySegment io(int wanted) {
        int size = Math.min(wanted, IO_MAX);
        if (io == null || io.byteSize() < size) {
            io = allocate(Math.min(IO_MAX, grow(Math.max(size, 8192))));
        }
        return io;
    }

    /** The two struct timespec of utimensat/futimens; a null time is left unchanged (UTIME_OMIT). */
    MemorySegment times(Timespec atime, Timespec mtime) {
        putTime(0, atime);
        putTime(16, mtime);
        return times;
    }

    private void putTime(long offset, Timespec t) {
        times.set(JAVA_LONG, offset, t == null ? 0 : t.seconds());
        times.set(JAVA_LONG, offset + 8, t == null ? Libc.UTIME_OMIT : t.nanos());
    }

    private static long grow(long needed) {
        return Long.highestOneBit(needed - 1) << 1;
    }
}
