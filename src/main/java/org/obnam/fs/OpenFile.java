package org.obnam.fs;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An open regular file. Data moves between the caller's heap arrays and a per-thread native
 * buffer, so reads and writes allocate nothing; requests above 1 MiB are done in 1 MiB pieces.
 *
 * <p>Not thread-safe: use an instance from one thread at a time.
 */
public final class OpenFile implements AutoCloseable {
    /** What {@link #readCachedAt} returns when it cannot read without waiting for the disk. */
    public static final int NOT_CACHED = -2;

    private int fd;
    private final RawPath dirPath;
    private final RawName name;
    private final boolean writable;

    /** What fstat said right after the file was opened for reading, or null. */
    private final FileStat openedStat;

    OpenFile(int fd, RawPath dirPath, RawName name, boolean writable) {
        this(fd, dirPath, name, writable, null);
    }

    OpenFile(int fd, RawPath dirPath, RawName name, boolean writable, FileStat openedStat) {
        this.fd = fd;
        this.dirPath = dirPath;
        this.name = name;
        this.writable = writable;
        this.openedStat = openedStat;
    }

    /**
     * The file's status when {@link Dir#openRead} opened it: the file actually read, which may
     * not be the one an earlier lstat of its name saw.
     */
    public FileStat openedStat() {
        return openedStat;
    }

    /**
     * Standard output, for writing: failures come with their errno, whatever the locale (the JDK's
     * own streams give only the C library's text, which is translated). Never to be closed.
     */
    public static OpenFile standardOutput() {
        return new OpenFile(1, RawPath.ofUtf8("/dev"), RawName.ofUtf8("stdout"), true);
    }

    /** The path the file was opened by, for messages. */
    public RawPath path() {
        return dirPath.resolve(name);
    }

    /**
     * Reads from the current position. Returns the number of bytes read, which is less than
     * {@code len} only at the end of the file, or -1 at the end of the file.
     */
    public int read(byte[] buf, int off, int len) throws IOException {
        return transferIn(buf, off, len, -1);
    }

    /** Like {@link #read} at an absolute position (pread); the file position is not changed. */
    public int readAt(byte[] buf, int off, int len, long position) throws IOException {
        if (position < 0) {
            throw new IllegalArgumentException("negative position " + position);
        }
        return transferIn(buf, off, len, position);
    }

    /**
     * Like {@link #readAt}, but only what is in the page cache, with one read of at most 1 MiB
     * ({@code preadv2} with {@code RWF_NOWAIT}): returns {@link #NOT_CACHED} where a read would
     * wait for the disk, and also where the kernel or file system cannot read that way. Unlike
     * {@link #readAt} it may return fewer bytes than asked for before the end of the file, when
     * only the first pages are cached.
     */
    public int readCachedAt(byte[] buf, int off, int len, long position) throws IOException {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (position < 0) {
            throw new IllegalArgumentException("negative position " + position);
        }
        if (len > Scratch.IO_MAX || !Libc.hasPreadv2()) {
            return NOT_CACHED;
        }
        if (len == 0) {
            return 0;
        }
        int dfd = fd();
        Scratch s = Scratch.get();
        MemorySegment io = s.io(len);
        while (true) {
            long n = Libc.preadv2(s.errno, dfd, s.iovec, io, len, position, Libc.RWF_NOWAIT);
            if (n >= 0) {
                MemorySegment.copy(io, JAVA_BYTE, 0, buf, off, (int) n);
                return n == 0 ? -1 : (int) n;
            }
            int errno = s.lastErrno();
            if (errno == ErrnoException.EINTR) {
                continue;
            }
            if (errno == ErrnoException.EAGAIN || errno == ErrnoException.EOPNOTSUPP || errno == ErrnoException.ENOSYS
                    || errno == ErrnoException.EINVAL) {
                return NOT_CACHED; // a plain read will report any real error
            }
            throw error("read", errno);
        }
    }

    /** position -1 means the current file position. */
    private int transferIn(byte[] buf, int off, int len, long position) throws IOException {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (len == 0) {
            return 0;
        }
        int dfd = fd();
        Scratch s = Scratch.get();
        int total = 0;
        while (total < len) {
            int want = Math.min(len - total, Scratch.IO_MAX);
            MemorySegment io = s.io(want);
            long n = position < 0
                    ? Libc.read(s.errno, dfd, io, want)
                    : Libc.pread(s.errno, dfd, io, want, position + total);
            if (n < 0) {
                int errno = s.lastErrno();
                if (errno == ErrnoException.EINTR) {
                    continue;
                }
                throw error("read", errno);
            }
            MemorySegment.copy(io, JAVA_BYTE, 0, buf, off + total, (int) n);
            total += (int) n;
            // A short read on a regular file means end of file: stop instead of asking again.
            if (n < want) {
                break;
            }
        }
        return total == 0 ? -1 : total;
    }

    /** Writes all of {@code buf[off, off+len)} at the current position. */
    public void write(byte[] buf, int off, int len) throws IOException {
        transferOut(buf, off, len, -1);
    }

    /** Writes all of {@code buf[off, off+len)} at {@code position} (pwrite); the file position is not changed. */
    public void writeAt(byte[] buf, int off, int len, long position) throws IOException {
        if (position < 0) {
            throw new IllegalArgumentException("negative position " + position);
        }
        transferOut(buf, off, len, position);
    }

    private void transferOut(byte[] buf, int off, int len, long position) throws IOException {
        Objects.checkFromIndexSize(off, len, buf.length);
        int dfd = fd();
        Scratch s = Scratch.get();
        int done = 0;
        while (done < len) {
            int piece = Math.min(len - done, Scratch.IO_MAX);
            MemorySegment io = s.io(piece);
            MemorySegment.copy(buf, off + done, io, JAVA_BYTE, 0, piece);
            int written = 0;
            while (written < piece) {
                MemorySegment from = io.asSlice(written);
                long n = position < 0
                        ? Libc.write(s.errno, dfd, from, piece - written)
                        : Libc.pwrite(s.errno, dfd, from, piece - written, position + done + written);
                if (n < 0) {
                    int errno = s.lastErrno();
                    if (errno == ErrnoException.EINTR) {
                        continue;
                    }
                    throw error("write", errno);
                }
                if (n == 0) {
                    throw error("write", ErrnoException.EIO);
                }
                written += (int) n;
            }
            done += piece;
        }
    }

    public FileStat stat() throws IOException {
        Scratch s = Scratch.get();
        FileStat st = Stats.fstat(s, fd());
        if (st == null) {
            throw error("stat", s.lastErrno());
        }
        return st;
    }

    /**
     * The parts of the first {@code size} bytes that hold data, found with SEEK_DATA/SEEK_HOLE.
     * A file system that cannot tell reports one extent [0, size). The file position is kept.
     */
    public List<Extent> dataExtents(long size) throws IOException {
        List<Extent> extents = new ArrayList<>();
        if (size <= 0) {
            return extents;
        }
        int dfd = fd();
        Scratch s = Scratch.get();
        long saved = Libc.lseek(s.errno, dfd, 0, Libc.SEEK_CUR);
        if (saved < 0) {
            throw error("seek", s.lastErrno());
        }
        long position = 0;
        while (position < size) {
            long data = Libc.lseek(s.errno, dfd, position, Libc.SEEK_DATA);
            if (data < 0) {
                int errno = s.lastErrno();
                if (errno == ErrnoException.ENXIO) {
                    break; // only a hole remains
                }
                if (errno == ErrnoException.EINVAL && position == 0) {
                    extents.add(new Extent(0, size)); // SEEK_DATA not supported here
                    break;
                }
                throw error("seek", errno);
            }
            if (data >= size) {
                break;
            }
            long hole = Libc.lseek(s.errno, dfd, data, Libc.SEEK_HOLE);
            if (hole < 0) {
                throw error("seek", s.lastErrno());
            }
            long end = Math.min(hole, size);
            extents.add(new Extent(data, end - data));
            position = end;
        }
        if (Libc.lseek(s.errno, dfd, saved, Libc.SEEK_SET) < 0) {
            throw error("seek", s.lastErrno());
        }
        return extents;
    }

    /** Sets the size; growing leaves a hole, so a sparse restore ends with this. */
    public void truncate(long size) throws IOException {
        Scratch s = Scratch.get();
        if (Libc.ftruncate(s.errno, fd(), size) != 0) {
            throw error("truncate", s.lastErrno());
        }
    }

    public List<Xattr> xattrs() throws IOException {
        return Xattrs.ofFd(fd(), this::error);
    }

    public void setXattr(byte[] key, byte[] value) throws IOException {
        Xattrs.setOnFd(fd(), key, value, this::error);
    }

    /** Changes owner and group; -1 leaves a value unchanged. Do this before chmod: chown clears setuid/setgid. */
    public void chown(long uid, long gid) throws IOException {
        Scratch s = Scratch.get();
        if (Libc.fchown(s.errno, fd(), (int) uid, (int) gid) != 0) {
            throw error("chown", s.lastErrno());
        }
    }

    public void chmod(int permissions) throws IOException {
        Scratch s = Scratch.get();
        if (Libc.fchmod(s.errno, fd(), permissions & 07777) != 0) {
            throw error("chmod", s.lastErrno());
        }
    }

    /** Sets atime and mtime; null leaves a time unchanged. */
    public void setTimes(Timespec atime, Timespec mtime) throws IOException {
        Scratch s = Scratch.get();
        if (Libc.futimens(s.errno, fd(), s.times(atime, mtime)) != 0) {
            throw error("futimens", s.lastErrno());
        }
    }

    public void fsync() throws IOException {
        Scratch s = Scratch.get();
        if (Libc.fsync(s.errno, fd()) != 0) {
            throw error("fsync", s.lastErrno());
        }
    }

    /** Hints that the file will be read sequentially; failures are ignored (it is only a hint). */
    public void adviseSequential() {
        Libc.posixFadvise(Scratch.get().errno, fd(), 0, 0, Libc.POSIX_FADV_SEQUENTIAL);
    }

    /**
     * Hints that the data read so far is not needed again, so a backup does not push the user's
     * working set out of the page cache. Failures are ignored.
     */
    public void adviseDontNeed() {
        Libc.posixFadvise(Scratch.get().errno, fd(), 0, 0, Libc.POSIX_FADV_DONTNEED);
    }

    /**
     * Closes the file; closing again does nothing. For a file opened for writing, a failing close
     * (possible on NFS, with quotas) is reported: the data may not have been stored. For a file
     * opened for reading errors are ignored.
     */
    @Override
    public void close() throws IOException {
        if (fd < 0) {
            return;
        }
        Scratch s = Scratch.get();
        int rc = Libc.close(s.errno, fd);
        fd = -1;
        // After EINTR Linux has closed the fd anyway; retrying could close someone else's.
        if (rc != 0 && writable && s.lastErrno() != ErrnoException.EINTR) {
            throw error("close", s.lastErrno());
        }
    }

    private int fd() {
        if (fd < 0) {
            throw new IllegalStateException("file " + path() + " is closed");
        }
        return fd;
    }

    private ErrnoException error(String operation, int errno) {
        return new ErrnoException(operation, path().toString(), errno);
    }

    @Override
    public String toString() {
        return "OpenFile[" + path() + "]";
    }
}
