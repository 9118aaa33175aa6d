package org.obnam.fs;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
import static org.obnam.fs.Libc.AT_FDCWD;
import static org.obnam.fs.Libc.AT_NO_AUTOMOUNT;
import static org.obnam.fs.Libc.AT_REMOVEDIR;
import static org.obnam.fs.Libc.AT_SYMLINK_NOFOLLOW;
import static org.obnam.fs.Libc.O_CLOEXEC;
import static org.obnam.fs.Libc.O_CREAT;
import static org.obnam.fs.Libc.O_DIRECTORY;
import static org.obnam.fs.Libc.O_EXCL;
import static org.obnam.fs.Libc.O_NOATIME;
import static org.obnam.fs.Libc.O_NOCTTY;
import static org.obnam.fs.Libc.O_NOFOLLOW;
import static org.obnam.fs.Libc.O_NONBLOCK;
import static org.obnam.fs.Libc.O_RDONLY;
import static org.obnam.fs.Libc.O_TRUNC;
import static org.obnam.fs.Libc.O_WRONLY;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * An open directory. Every operation on an entry goes through this directory's fd with a single
 * {@link RawName} (the *at calls), so path length never matters and a directory renamed while we
 * work in it is not followed by path. Entry names are never followed if they are symlinks, except
 * where a method says so.
 *
 * <p>Not thread-safe: use an instance from one thread at a time. Different instances may be used
 * concurrently.
 */
public final class Dir implements AutoCloseable {
    private static final int DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
    private static final int PATH_MAX = 4096;

    // struct linux_dirent64: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name[].
    private static final int DIRENT_RECLEN = 16;
    private static final int DIRENT_TYPE = 18;
    private static final int DIRENT_NAME = 19;
    private static final byte DT_REG = 8;

    private int fd;
    private final RawPath path;
    private boolean listed;

    private Dir(int fd, RawPath path) {
        this.fd = fd;
        this.path = path;
    }

    /**
     * Opens a directory by path, following symlinks (used for backup roots and restore targets).
     * A relative path is relative to the process's working directory.
     */
    public static Dir open(RawPath path) throws IOException {
        Scratch s = Scratch.get();
        byte[] bytes = path.bytes();
        if (bytes.length < PATH_MAX) {
            int fd = Libc.openat(s.errno, AT_FDCWD, s.cstr0(bytes), DIR_FLAGS, 0);
            if (fd >= 0) {
                return new Dir(fd, path);
            }
            int errno = s.lastErrno();
            if (errno != ErrnoException.ENAMETOOLONG) {
                throw new ErrnoException("open", path.toString(), errno);
            }
        }
        return openByComponents(path);
    }

    /**
     * Opens a directory by path like {@link #open}, first creating it and any missing parents
     * (with {@code permissions}, less the umask), as {@code mkdir -p} does.
     */
    public static Dir openCreating(RawPath path, int permissions) throws IOException {
        try {
            return open(path);
        } catch (ErrnoException e) {
            RawPath parent = path.parent();
            if (e.errno() != ErrnoException.ENOENT || path.fileName() == null) {
                throw e;
            }
            try (Dir above = parent == null ? open(RawPath.current()) : openCreating(parent, permissions)) {
                return above.createDir(path.fileName(), permissions);
            }
        }
    }

    /** For paths longer than PATH_MAX: one component at a time, following symlinks as the kernel would. */
    private static Dir openByComponents(RawPath path) throws IOException {
        Scratch s = Scratch.get();
        RawPath done = path.isAbsolute() ? RawPath.root() : RawPath.current();
        int fd = Libc.openat(s.errno, AT_FDCWD, s.cstr0(done.bytes()), DIR_FLAGS, 0);
        if (fd < 0) {
            throw new ErrnoException("open", done.toString(), s.lastErrno());
        }
        for (RawName name : path.names()) {
            done = done.resolve(name);
            int next = Libc.openat(s.errno, fd, s.cstr0(name.raw()), DIR_FLAGS, 0);
            int errno = s.lastErrno();
            Libc.close(s.errno, fd);
            if (next < 0) {
                throw new ErrnoException("open", done.toString(), errno);
            }
            fd = next;
        }
        return new Dir(fd, path);
    }

    /** The path this directory was opened by, for messages. */
    public RawPath path() {
        return path;
    }

    /** Opens a subdirectory. A symlink is an error (ELOOP or ENOTDIR), never followed. */
    public Dir openDir(RawName name) throws IOException {
        Scratch s = Scratch.get();
        int dfd = openNoAtime(s, s.cstr0(name.raw()), DIR_FLAGS | O_NOFOLLOW);
        if (dfd < 0) {
            throw error("open", name, s.lastErrno());
        }
        return new Dir(dfd, path.resolve(name));
    }

    /** The names in this directory, without "." and "..", in no particular order. */
    public List<RawName> list() throws IOException {
        return entries().stream().map(Listed::name).toList();
    }

    /**
     * A name in a directory listing, and whether the listing said it is a regular file (file
     * systems that do not say, as getdents may, give false). A hint, true when listed: the name
     * may have changed since.
     */
    public record Listed(RawName name, boolean regularFile) {}

    /** The entries' names and listed types, except . and .., in the order the file system gives them. */
    public List<Listed> entries() throws IOException {
        int dfd = fd();
        Scratch s = Scratch.get();
        if (listed && Libc.lseek(s.errno, dfd, 0, Libc.SEEK_SET) < 0) {
            throw new ErrnoException("seek", path.toString(), s.lastErrno());
        }
        listed = true;
        MemorySegment buf = s.dirents();
        List<Listed> names = new ArrayList<>();
        while (true) {
            long n = Libc.getdents64(s.errno, dfd, buf, buf.byteSize());
            if (n == 0) {
                return names;
            }
            if (n < 0) {
                int errno = s.lastErrno();
                if (errno == ErrnoException.EINTR) {
                    continue;
                }
                throw new ErrnoException("getdents", path.toString(), errno);
            }
            int offset = 0;
            while (offset < n) {
                int reclen = Short.toUnsignedInt(buf.get(JAVA_SHORT_UNALIGNED, offset + DIRENT_RECLEN));
                int start = offset + DIRENT_NAME;
                int end = start;
                int limit = offset + reclen;
                while (end < limit && buf.get(JAVA_BYTE, end) != 0) {
                    end++;
                }
                if (!isDotOrDotDot(buf, start, end - start)) {
                    byte[] name = new byte[end - start];
                    MemorySegment.copy(buf, JAVA_BYTE, start, name, 0, name.length);
                    names.add(new Listed(RawName.trusted(name), buf.get(JAVA_BYTE, offset + DIRENT_TYPE) == DT_REG));
                }
                offset += reclen;
            }
        }
    }

    private static boolean isDotOrDotDot(MemorySegment buf, int start, int length) {
        return (length == 1 || length == 2)
                && buf.get(JAVA_BYTE, start) == '.'
                && (length == 1 || buf.get(JAVA_BYTE, start + 1) == '.');
    }

    /** The metadata of this directory itself. */
    public FileStat stat() throws IOException {
        Scratch s = Scratch.get();
        FileStat st = Stats.fstat(s, fd());
        if (st == null) {
            throw new ErrnoException("stat", path.toString(), s.lastErrno());
        }
        return st;
    }

    /** The metadata of an entry; a symlink is described, not followed. */
    public FileStat lstat(RawName name) throws IOException {
        Scratch s = Scratch.get();
        FileStat st = Stats.statAt(s, fd(), s.cstr0(name.raw()), AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT);
        if (st == null) {
            throw error("lstat", name, s.lastErrno());
        }
        return st;
    }

    /** True if lstat of the entry succeeds. */
    public boolean exists(RawName name) {
        Scratch s = Scratch.get();
        return Stats.statAt(s, fd(), s.cstr0(name.raw()), AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT) != null;
    }

    /** The raw target of a symlink. */
    public byte[] readlink(RawName name) throws IOException {
        Scratch s = Scratch.get();
        MemorySegment cname = s.cstr0(name.raw());
        // Linux caps targets at 4095 bytes, so the first 8 KiB attempt normally suffices.
        for (int size = 8192; ; size *= 2) {
            MemorySegment buf = s.io(size);
            long n = Libc.readlinkat(s.errno, fd(), cname, buf, buf.byteSize());
            if (n < 0) {
                throw error("readlink", name, s.lastErrno());
            }
            if (n < buf.byteSize()) {
                return buf.asSlice(0, n).toArray(JAVA_BYTE);
            }
            if (buf.byteSize() >= Scratch.IO_MAX) {
                throw error("readlink", name, ErrnoException.ENAMETOOLONG);
            }
        }
    }

    /**
     * The extended attributes of an entry, without following a symlink. A file system without
     * xattr support, or a symlink or device that refuses them, gives an empty list. Uses
     * /proc/self/fd, which must be mounted.
     */
    public List<Xattr> xattrs(RawName name) throws IOException {
        return Xattrs.ofName(fd(), name, (op, errno) -> error(op, name, errno));
    }

    /** The extended attributes of this directory itself. */
    public List<Xattr> xattrs() throws IOException {
        return Xattrs.ofFd(fd(), (op, errno) -> new ErrnoException(op, path.toString(), errno));
    }

    /**
     * Opens a regular file for reading; anything else fails with {@link NotRegularFileException}.
     * Opening a device may have side effects, so callers lstat first; but the name may be
     * replaced between that lstat and this open, and opening a FIFO would wait for a writer, which
     * hung a backup: the file is opened with O_NONBLOCK (which Linux ignores for regular files) and
     * checked with fstat, whose result {@link OpenFile#openedStat} keeps. A symlink fails with
     * ELOOP. Uses O_NOATIME where permitted, so a backup does not change the files' atime.
     */
    public OpenFile openRead(RawName name) throws IOException {
        Scratch s = Scratch.get();
        int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
        int ffd = openNoAtime(s, s.cstr0(name.raw()), flags | O_NONBLOCK);
        if (ffd < 0 && s.lastErrno() == ErrnoException.EAGAIN) {
            // A regular file under a lease (Samba's oplocks, NFS delegations): without O_NONBLOCK
            // the open waits for the lease to be broken, as any reader's would. A FIFO never
            // answers EAGAIN here.
            ffd = openNoAtime(s, s.cstr0(name.raw()), flags);
        }
        if (ffd < 0) {
            throw error("open", name, s.lastErrno());
        }
        FileStat st = Stats.fstat(s, ffd);
        if (st == null || st.type() != FileType.REGULAR) {
            int errno = s.lastErrno();
            Libc.close(s.errno, ffd);
            if (st == null) {
                throw error("stat", name, errno);
            }
            throw new NotRegularFileException(path.resolve(name).toString(), st.type());
        }
        return new OpenFile(ffd, path, name, false, st);
    }

    /** O_NOATIME is allowed only to the file's owner (or CAP_FOWNER): others get EPERM, so retry without. */
    private int openNoAtime(Scratch s, MemorySegment cname, int flags) {
        int dirfd = fd();
        int result = Libc.openat(s.errno, dirfd, cname, flags | O_NOATIME, 0);
        if (result < 0 && s.lastErrno() == ErrnoException.EPERM) {
            result = Libc.openat(s.errno, dirfd, cname, flags, 0);
        }
        return result;
    }

    // ---- creating entries (restore)

    /** Creates a subdirectory (an existing directory is fine) and opens it. */
    public Dir createDir(RawName name, int permissions) throws IOException {
        Scratch s = Scratch.get();
        if (Libc.mkdirat(s.errno, fd(), s.cstr0(name.raw()), permissions) != 0) {
            int errno = s.lastErrno();
            if (errno != ErrnoException.EEXIST) {
                throw error("mkdir", name, errno);
            }
            FileStat existing = Stats.statAt(s, fd(), s.cstr0(name.raw()), AT_SYMLINK_NOFOLLOW);
            if (existing == null || existing.type() != FileType.DIRECTORY) {
                throw error("mkdir", name, ErrnoException.EEXIST);
            }
        }
        return openDir(name);
    }

    /** Creates (or truncates) a regular file for writing; a symlink in its place fails with ELOOP. */
    public OpenFile createFile(RawName name, int permissions) throws IOException {
        return create(name, permissions, O_TRUNC);
    }

    /**
     * Creates a new, empty regular file for writing, or returns null when {@code name} is taken
     * by anything (a dangling symlink included). Cheaper than checking first when the name is
     * usually free, as in a restore into a new directory: no extra system call, no exception.
     */
    public OpenFile createNewFile(RawName name, int permissions) throws IOException {
        return create(name, permissions, O_EXCL);
    }

    /** With O_EXCL, null when the name is taken; with O_TRUNC, an existing file is emptied. */
    private OpenFile create(RawName name, int permissions, int existing) throws IOException {
        Scratch s = Scratch.get();
        int flags = O_WRONLY | O_CREAT | existing | O_NOFOLLOW | O_CLOEXEC;
        int ffd = Libc.openat(s.errno, fd(), s.cstr0(name.raw()), flags, permissions);
        if (ffd < 0) {
            int errno = s.lastErrno();
            if (errno == ErrnoException.EEXIST && existing == O_EXCL) {
                return null;
            }
            throw error("create", name, errno);
        }
        return new OpenFile(ffd, path, name, true);
    }

    /** Creates a symlink with the given raw target (non-empty, without NUL). */
    public void symlink(byte[] target, RawName name) throws IOException {
        for (byte b : target) {
            if (b == 0) {
                throw new IllegalArgumentException("symlink target contains NUL");
            }
        }
        if (target.length == 0) {
            throw new IllegalArgumentException("empty symlink target");
        }
        Scratch s = Scratch.get();
        if (Libc.symlinkat(s.errno, s.cstr1(target), fd(), s.cstr0(name.raw())) != 0) {
            throw error("symlink", name, s.lastErrno());
        }
    }

    public void mkfifo(RawName name, int permissions) throws IOException {
        Scratch s = Scratch.get();
        if (Libc.mkfifoat(s.errno, fd(), s.cstr0(name.raw()), permissions) != 0) {
            throw error("mkfifo", name, s.lastErrno());
        }
    }

    /**
     * Creates a special file. CHAR_DEVICE and BLOCK_DEVICE need CAP_MKNOD (root); SOCKET and FIFO
     * work unprivileged. The device numbers matter only for devices.
     */
    public void mknod(RawName name, FileType type, int permissions, long rdevMajor, long rdevMinor)
            throws IOException {
        if (type == FileType.DIRECTORY || type == FileType.SYMLINK) {
            throw new IllegalArgumentException("mknod cannot create a " + type);
        }
        boolean device = type == FileType.CHAR_DEVICE || type == FileType.BLOCK_DEVICE;
        long dev = device ? StatLayout.makedev(rdevMajor, rdevMinor) : 0;
        Scratch s = Scratch.get();
        int mode = type.modeBits() | (permissions & 07777);
        if (Libc.mknodat(s.errno, fd(), s.cstr0(name.raw()), mode, dev) != 0) {
            throw error("mknod", name, s.lastErrno());
        }
    }

    /** Makes {@code name} here a hard link to {@code targetName} in {@code targetDir}. */
    public void link(Dir targetDir, RawName targetName, RawName name) throws IOException {
        Scratch s = Scratch.get();
        int rc = Libc.linkat(s.errno, targetDir.fd(), s.cstr1(targetName.raw()), fd(), s.cstr0(name.raw()), 0);
        if (rc != 0) {
            throw error("link " + targetDir.path.resolve(targetName) + " to", name, s.lastErrno());
        }
    }

    /** Removes a non-directory entry. */
    public void unlink(RawName name) throws IOException {
        Scratch s = Scratch.get();
        if (Libc.unlinkat(s.errno, fd(), s.cstr0(name.raw()), 0) != 0) {
            throw error("unlink", name, s.lastErrno());
        }
    }

    /** Removes an empty directory. */
    public void removeDir(RawName name) throws IOException {
        Scratch s = Scratch.get();
        if (Libc.unlinkat(s.errno, fd(), s.cstr0(name.raw()), AT_REMOVEDIR) != 0) {
            throw error("rmdir", name, s.lastErrno());
        }
    }

    /** Renames within this directory, replacing {@code to} if it exists. */
    public void rename(RawName from, RawName to) throws IOException {
        rename(from, this, to);
    }

    /** Renames into another directory on the same file system, replacing {@code to} if it exists. */
    public void rename(RawName from, Dir toDir, RawName to) throws IOException {
        Scratch s = Scratch.get();
        if (Libc.renameat(s.errno, fd(), s.cstr0(from.raw()), toDir.fd(), s.cstr1(to.raw())) != 0) {
            throw new ErrnoException("rename " + path.resolve(from) + " to", toDir.path.resolve(to).toString(),
                    s.lastErrno());
        }
    }

    /**
     * Renames within this directory unless {@code to} exists: false, and nothing renamed, if it
     * does (or if the kernel or file system cannot rename without replacing).
     */
    public boolean renameNoReplace(RawName from, RawName to) throws IOException {
        return renameNoReplace(from, this, to);
    }

    /** As {@link #renameNoReplace(RawName, RawName)}, into another directory on the same file system. */
    public boolean renameNoReplace(RawName from, Dir toDir, RawName to) throws IOException {
        Scratch s = Scratch.get();
        if (Libc.renameat2(s.errno, fd(), s.cstr0(from.raw()), toDir.fd(), s.cstr1(to.raw()), Libc.RENAME_NOREPLACE) == 0) {
            return true;
        }
        int errno = s.lastErrno();
        if (errno == ErrnoException.EEXIST || errno == ErrnoException.ENOSYS || errno == ErrnoException.EINVAL) {
            return false;
        }
        throw new ErrnoException("rename " + path.resolve(from) + " to", toDir.path.resolve(to).toString(), errno);
    }

    // ---- metadata (restore)

    /** Changes owner and group without following a symlink; -1 leaves a value unchanged. */
    public void chown(RawName name, long uid, long gid) throws IOException {
        Scratch s = Scratch.get();
        if (Libc.fchownat(s.errno, fd(), s.cstr0(name.raw()), (int) uid, (int) gid, AT_SYMLINK_NOFOLLOW) != 0) {
            throw error("chown", name, s.lastErrno());
        }
    }

    /**
     * Changes permissions. Callers skip symlinks (Linux has no symlink permissions). We ask glibc
     * not to follow a symlink anyway, so that a symlink swapped in cannot redirect the change to
     * a file outside the tree; for a symlink this fails with EOPNOTSUPP.
     */
    public void chmod(RawName name, int permissions) throws IOException {
        Scratch s = Scratch.get();
        if (Libc.fchmodat(s.errno, fd(), s.cstr0(name.raw()), permissions & 07777, AT_SYMLINK_NOFOLLOW) != 0) {
            throw error("chmod", name, s.lastErrno());
        }
    }

    /**
     * Sets atime and mtime without following a symlink (works on symlinks); null leaves a time
     * unchanged. With both null the kernel does nothing, not even check that the entry exists.
     */
    public void setTimes(RawName name, Timespec atime, Timespec mtime) throws IOException {
        Scratch s = Scratch.get();
        MemorySegment cname = s.cstr0(name.raw());
        if (Libc.utimensat(s.errno, fd(), cname, s.times(atime, mtime), AT_SYMLINK_NOFOLLOW) != 0) {
            throw error("utimensat", name, s.lastErrno());
        }
    }

    /** Sets an extended attribute of an entry without following a symlink. */
    public void setXattr(RawName name, byte[] key, byte[] value) throws IOException {
        Xattrs.setOnName(fd(), name, key, value, (op, errno) -> error(op, name, errno));
    }

    /**
     * Sets or clears the "top of a directory hierarchy" hint (ext4's {@code chattr +T}): with it,
     * ext4 places each new subdirectory in the block group with the fewest directories instead of
     * next to this one, as it does for directories in the root. Returns whether the flag changed;
     * false, and nothing changed, where the file system keeps no such flag or refuses it.
     */
    public boolean setTopDirectoryHint(boolean on) {
        Scratch s = Scratch.get();
        if (Libc.ioctl(s.errno, fd(), Libc.FS_IOC_GETFLAGS, s.word) != 0) {
            return false;
        }
        int flags = s.word.get(JAVA_INT, 0);
        boolean isOn = (flags & Libc.FS_TOPDIR_FL) != 0;
        if (isOn == on) {
            return false;
        }
        s.word.set(JAVA_INT, 0, on ? flags | Libc.FS_TOPDIR_FL : flags & ~Libc.FS_TOPDIR_FL);
        return Libc.ioctl(s.errno, fd(), Libc.FS_IOC_SETFLAGS, s.word) == 0;
    }

    /** Whether the hint of {@link #setTopDirectoryHint} is set; false where there are no such flags. */
    public boolean hasTopDirectoryHint() {
        Scratch s = Scratch.get();
        return Libc.ioctl(s.errno, fd(), Libc.FS_IOC_GETFLAGS, s.word) == 0
                && (s.word.get(JAVA_INT, 0) & Libc.FS_TOPDIR_FL) != 0;
    }

    /** Makes this directory's entries durable (after creating or renaming files in it). */
    public void fsync() throws IOException {
        Scratch s = Scratch.get();
        if (Libc.fsync(s.errno, fd()) != 0) {
            throw new ErrnoException("fsync", path.toString(), s.lastErrno());
        }
    }

    /** Closes the fd; closing again does nothing. Errors are ignored: nothing was written through it. */
    @Override
    public void close() {
        if (fd >= 0) {
            Libc.close(Scratch.get().errno, fd);
            fd = -1;
        }
    }

    int fd() {
        if (fd < 0) {
            throw new IllegalStateException("directory " + path + " is closed");
        }
        return fd;
    }

    private ErrnoException error(String operation, RawName name, int errno) {
        return new ErrnoException(operation, path.resolve(name).toString(), errno);
    }

    @Override
    public String toString() {
        return "Dir[" + path + "]";
    }
}
