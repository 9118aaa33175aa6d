package org.obnam.fs;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Downcalls to glibc (x86_64 Linux). Every wrapper takes the per-thread errno capture segment
 * first and returns the raw result; callers check for -1 and read {@link #errno}.
 *
 * <p>Each function lives in its own holder class so that it is linked on first use, and all share
 * one signature (see {@link #SIGNATURE}), so that only the first link generates code.
 * errno is captured by the linker because the JVM may overwrite the thread's errno after the call.
 */
final class Libc {
    // open(2) flags, x86_64 values.
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 01;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_NOCTTY = 0400;
    static final int O_NONBLOCK = 04000;
    static final int O_TRUNC = 01000;
    static final int O_DIRECTORY = 0200000;
    static final int O_NOFOLLOW = 0400000;
    static final int O_NOATIME = 01000000;
    static final int O_CLOEXEC = 02000000;

    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int AT_REMOVEDIR = 0x200;
    static final int AT_NO_AUTOMOUNT = 0x800;
    static final int AT_EMPTY_PATH = 0x1000;

    static final int STATX_BASIC_STATS = 0x7ff;

    static final int SEEK_SET = 0;
    static final int SEEK_CUR = 1;
    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;

    // Inode flags (chattr): _IOR('f', 1, long) and _IOW('f', 2, long); the kernel reads and writes an int.
    static final long FS_IOC_GETFLAGS = 0x80086601L;
    static final long FS_IOC_SETFLAGS = 0x40086602L;
    static final int FS_TOPDIR_FL = 0x00020000;

    static final int POSIX_FADV_SEQUENTIAL = 2;
    static final int POSIX_FADV_DONTNEED = 4;

    /** tv_nsec value telling utimensat to leave a time alone. */
    static final long UTIME_OMIT = (1L << 30) - 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private Libc() {}

    static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    /**
     * The one signature every function is linked with: six 64-bit integer arguments, a 64-bit
     * result, errno captured. The linker generates a stub per distinct signature, about 10 ms of
     * start-up CPU each; with one signature a backup links one stub instead of six and a restore
     * one instead of a dozen. This is sound on the LP64 Linux ABIs: integer and pointer arguments
     * travel in 64-bit registers, so a narrower parameter reads the low half of what is passed,
     * unused trailing arguments are ignored, and an int result is the low half of the register
     * (the wrappers cast it). Pointers are passed as the native addresses of segments the caller
     * keeps alive across the call.
     */
    private static final FunctionDescriptor SIGNATURE =
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);

    // Restricted: needs --enable-native-access (surefire and the jar manifest grant it).
    @SuppressWarnings("restricted")
    private static MethodHandle link(String name) {
        MemorySegment symbol = LOOKUP.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("glibc has no " + name));
        return LINKER.downcallHandle(symbol, SIGNATURE, CAPTURE);
    }

    /** Links openat, and with it the stub that all functions share (see {@link #SIGNATURE}). */
    static void prepare() {
        java.util.Objects.requireNonNull(Openat.H);
    }

    /** Like {@link #link} but null when the symbol is missing (older glibc). */
    private static MethodHandle linkOptional(String name) {
        return LOOKUP.find(name).isPresent() ? link(name) : null;
    }

    private static long call(MethodHandle h, MemorySegment cs, long a, long b, long c, long d, long e, long f) {
        try {
            return (long) h.invokeExact(cs, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The address of a native segment; a heap segment has none to give C. */
    private static long addr(MemorySegment s) {
        if (!s.isNative()) {
            throw new IllegalArgumentException("a native call needs a native segment, not " + s);
        }
        return s.address();
    }

    private static RuntimeException fail(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", t);
    }

    // ---- opening, closing, listing

    private static final class Openat {
        // int openat(int dirfd, const char *path, int flags, ...): the mode is the first variadic argument.
        static final MethodHandle H = link("openat");
    }

    static int openat(MemorySegment cs, int dirfd, MemorySegment path, int flags, int mode) {
        return (int) call(Openat.H, cs, dirfd, addr(path), flags, mode, 0, 0);
    }

    private static final class Close {
        static final MethodHandle H = link("close");
    }

    static int close(MemorySegment cs, int fd) {
        return (int) call(Close.H, cs, fd, 0, 0, 0, 0, 0);
    }

    private static final class Getdents64 {
        static final MethodHandle H = link("getdents64");
    }

    static long getdents64(MemorySegment cs, int fd, MemorySegment buf, long size) {
        return call(Getdents64.H, cs, fd, addr(buf), size, 0, 0, 0);
    }

    // ---- stat

    private static final class Statx {
        static final MethodHandle H = linkOptional("statx");
    }

    static boolean hasStatx() {
        return Statx.H != null;
    }

    static int statx(MemorySegment cs, int dirfd, MemorySegment path, int flags, int mask, MemorySegment buf) {
        return (int) call(Statx.H, cs, dirfd, addr(path), flags, mask, addr(buf), 0);
    }

    private static final class Fstatat {
        static final MethodHandle H = link("fstatat");
    }

    static int fstatat(MemorySegment cs, int dirfd, MemorySegment path, MemorySegment buf, int flags) {
        return (int) call(Fstatat.H, cs, dirfd, addr(path), addr(buf), flags, 0, 0);
    }

    private static final class Readlinkat {
        static final MethodHandle H = link("readlinkat");
    }

    static long readlinkat(MemorySegment cs, int dirfd, MemorySegment path, MemorySegment buf, long size) {
        return call(Readlinkat.H, cs, dirfd, addr(path), addr(buf), size, 0, 0);
    }

    // ---- creating and removing entries

    private static final class Mkdirat {
        static final MethodHandle H = link("mkdirat");
    }

    static int mkdirat(MemorySegment cs, int dirfd, MemorySegment path, int mode) {
        return (int) call(Mkdirat.H, cs, dirfd, addr(path), mode, 0, 0, 0);
    }

    private static final class Symlinkat {
        static final MethodHandle H = link("symlinkat");
    }

    static int symlinkat(MemorySegment cs, MemorySegment target, int dirfd, MemorySegment path) {
        return (int) call(Symlinkat.H, cs, addr(target), dirfd, addr(path), 0, 0, 0);
    }

    private static final class Mkfifoat {
        static final MethodHandle H = link("mkfifoat");
    }

    static int mkfifoat(MemorySegment cs, int dirfd, MemorySegment path, int mode) {
        return (int) call(Mkfifoat.H, cs, dirfd, addr(path), mode, 0, 0, 0);
    }

    private static final class Mknodat {
        static final MethodHandle H = link("mknodat");
    }

    static int mknodat(MemorySegment cs, int dirfd, MemorySegment path, int mode, long dev) {
        return (int) call(Mknodat.H, cs, dirfd, addr(path), mode, dev, 0, 0);
    }

    private static final class Linkat {
        static final MethodHandle H = link("linkat");
    }

    static int linkat(MemorySegment cs, int olddirfd, MemorySegment oldpath, int newdirfd, MemorySegment newpath,
            int flags) {
        return (int) call(Linkat.H, cs, olddirfd, addr(oldpath), newdirfd, addr(newpath), flags, 0);
    }

    private static final class Unlinkat {
        static final MethodHandle H = link("unlinkat");
    }

    static int unlinkat(MemorySegment cs, int dirfd, MemorySegment path, int flags) {
        return (int) call(Unlinkat.H, cs, dirfd, addr(path), flags, 0, 0, 0);
    }

    private static final class Renameat {
        static final MethodHandle H = link("renameat");
    }

    static int renameat(MemorySegment cs, int olddirfd, MemorySegment oldpath, int newdirfd, MemorySegment newpath) {
        return (int) call(Renameat.H, cs, olddirfd, addr(oldpath), newdirfd, addr(newpath), 0, 0);
    }

    private static final class Renameat2 {
        static final MethodHandle H = linkOptional("renameat2");
    }

    static final int RENAME_NOREPLACE = 1;

    /** renameat2, or -1 with errno ENOSYS where glibc lacks it. */
    static int renameat2(MemorySegment cs, int olddirfd, MemorySegment oldpath, int newdirfd, MemorySegment newpath,
            int flags) {
        if (Renameat2.H == null) {
            ERRNO.set(cs, 0L, ErrnoException.ENOSYS);
            return -1;
        }
        return (int) call(Renameat2.H, cs, olddirfd, addr(oldpath), newdirfd, addr(newpath), flags, 0);
    }

    // ---- metadata by name

    private static final class Fchownat {
        static final MethodHandle H = link("fchownat");
    }

    static int fchownat(MemorySegment cs, int dirfd, MemorySegment path, int uid, int gid, int flags) {
        return (int) call(Fchownat.H, cs, dirfd, addr(path), uid, gid, flags, 0);
    }

    private static final class Fchmodat {
        static final MethodHandle H = link("fchmodat");
    }

    static int fchmodat(MemorySegment cs, int dirfd, MemorySegment path, int mode, int flags) {
        return (int) call(Fchmodat.H, cs, dirfd, addr(path), mode, flags, 0, 0);
    }

    private static final class Utimensat {
        static final MethodHandle H = link("utimensat");
    }

    static int utimensat(MemorySegment cs, int dirfd, MemorySegment path, MemorySegment times, int flags) {
        return (int) call(Utimensat.H, cs, dirfd, addr(path), addr(times), flags, 0, 0);
    }

    // ---- extended attributes

    private static final class Llistxattr {
        static final MethodHandle H = link("llistxattr");
    }

    static long llistxattr(MemorySegment cs, MemorySegment path, MemorySegment list, long size) {
        return call(Llistxattr.H, cs, addr(path), addr(list), size, 0, 0, 0);
    }

    private static final class Lgetxattr {
        static final MethodHandle H = link("lgetxattr");
    }

    static long lgetxattr(MemorySegment cs, MemorySegment path, MemorySegment name, MemorySegment value, long size) {
        return call(Lgetxattr.H, cs, addr(path), addr(name), addr(value), size, 0, 0);
    }

    private static final class Lsetxattr {
        static final MethodHandle H = link("lsetxattr");
    }

    static int lsetxattr(MemorySegment cs, MemorySegment path, MemorySegment name, MemorySegment value, long size,
            int flags) {
        return (int) call(Lsetxattr.H, cs, addr(path), addr(name), addr(value), size, flags, 0);
    }

    private static final class Flistxattr {
        static final MethodHandle H = link("flistxattr");
    }

    static long flistxattr(MemorySegment cs, int fd, MemorySegment list, long size) {
        return call(Flistxattr.H, cs, fd, addr(list), size, 0, 0, 0);
    }

    private static final class Fgetxattr {
        static final MethodHandle H = link("fgetxattr");
    }

    static long fgetxattr(MemorySegment cs, int fd, MemorySegment name, MemorySegment value, long size) {
        return call(Fgetxattr.H, cs, fd, addr(name), addr(value), size, 0, 0);
    }

    private static final class Fsetxattr {
        static final MethodHandle H = link("fsetxattr");
    }

    static int fsetxattr(MemorySegment cs, int fd, MemorySegment name, MemorySegment value, long size, int flags) {
        return (int) call(Fsetxattr.H, cs, fd, addr(name), addr(value), size, flags, 0);
    }

    // ---- file I/O

    private static final class Read {
        static final MethodHandle H = link("read");
    }

    static long read(MemorySegment cs, int fd, MemorySegment buf, long count) {
        return call(Read.H, cs, fd, addr(buf), count, 0, 0, 0);
    }

    private static final class Write {
        static final MethodHandle H = link("write");
    }

    static long write(MemorySegment cs, int fd, MemorySegment buf, long count) {
        return call(Write.H, cs, fd, addr(buf), count, 0, 0, 0);
    }

    private static final class Pread {
        static final MethodHandle H = link("pread");
    }

    static long pread(MemorySegment cs, int fd, MemorySegment buf, long count, long offset) {
        return call(Pread.H, cs, fd, addr(buf), count, offset, 0, 0);
    }

    /** preadv2's flag: fail with EAGAIN instead of waiting for the disk (Linux 4.14). */
    static final int RWF_NOWAIT = 0x8;

    private static final class Preadv2 {
        static final MethodHandle H = linkOptional("preadv2");
    }

    static boolean hasPreadv2() {
        return Preadv2.H != null;
    }

    /** preadv2 of one buffer; {@code iov} is a 16-byte scratch segment for its struct iovec. */
    static long preadv2(MemorySegment cs, int fd, MemorySegment iov, MemorySegment buf, long count, long offset, int flags) {
        iov.set(JAVA_LONG, 0, addr(buf));
        iov.set(JAVA_LONG, 8, count);
        return call(Preadv2.H, cs, fd, addr(iov), 1, offset, flags, 0);
    }

    private static final class Pwrite {
        static final MethodHandle H = link("pwrite");
    }

    static long pwrite(MemorySegment cs, int fd, MemorySegment buf, long count, long offset) {
        return call(Pwrite.H, cs, fd, addr(buf), count, offset, 0, 0);
    }

    private static final class Lseek {
        static final MethodHandle H = link("lseek");
    }

    static long lseek(MemorySegment cs, int fd, long offset, int whence) {
        return call(Lseek.H, cs, fd, offset, whence, 0, 0, 0);
    }

    private static final class Ftruncate {
        static final MethodHandle H = link("ftruncate");
    }

    static int ftruncate(MemorySegment cs, int fd, long length) {
        return (int) call(Ftruncate.H, cs, fd, length, 0, 0, 0, 0);
    }

    private static final class Fsync {
        static final MethodHandle H = link("fsync");
    }

    static int fsync(MemorySegment cs, int fd) {
        return (int) call(Fsync.H, cs, fd, 0, 0, 0, 0, 0);
    }

    private static final class Ioctl {
        // int ioctl(int fd, unsigned long request, ...): the argument pointer is the first variadic one.
        static final MethodHandle H = link("ioctl");
    }

    /** An ioctl whose argument is a pointer to {@code arg}. */
    static int ioctl(MemorySegment cs, int fd, long request, MemorySegment arg) {
        return (int) call(Ioctl.H, cs, fd, request, addr(arg), 0, 0, 0);
    }

    private static final class PosixFadvise {
        static final MethodHandle H = link("posix_fadvise");
    }

    /** Returns the error number itself (posix_fadvise does not set errno). */
    static int posixFadvise(MemorySegment cs, int fd, long offset, long length, int advice) {
        return (int) call(PosixFadvise.H, cs, fd, offset, length, advice, 0, 0);
    }

    // ---- metadata by fd

    private static final class Fchown {
        static final MethodHandle H = link("fchown");
    }

    static int fchown(MemorySegment cs, int fd, int uid, int gid) {
        return (int) call(Fchown.H, cs, fd, uid, gid, 0, 0, 0);
    }

    private static final class Fchmod {
        static final MethodHandle H = link("fchmod");
    }

    static int fchmod(MemorySegment cs, int fd, int mode) {
        return (int) call(Fchmod.H, cs, fd, mode, 0, 0, 0, 0);
    }

    private static final class Futimens {
        static final MethodHandle H = link("futimens");
    }

    static int futimens(MemorySegment cs, int fd, MemorySegment times) {
        return (int) call(Futimens.H, cs, fd, addr(times), 0, 0, 0, 0);
    }

    // ---- process and user database

    private static final class Geteuid {
        static final MethodHandle H = link("geteuid");
    }

    static int geteuid(MemorySegment cs) {
        return (int) call(Geteuid.H, cs, 0, 0, 0, 0, 0, 0);
    }

    private static final class Getcwd {
        static final MethodHandle H = link("getcwd");
    }

    static MemorySegment getcwd(MemorySegment cs, MemorySegment buf, long size) {
        return MemorySegment.ofAddress(call(Getcwd.H, cs, addr(buf), size, 0, 0, 0, 0));
    }

    private static final class GetpwuidR {
        static final MethodHandle H = link("getpwuid_r");
    }

    /** Returns 0 or an error number; *result is NULL when there is no such user. */
    static int getpwuidR(MemorySegment cs, int uid, MemorySegment pwd, MemorySegment buf, long size,
            MemorySegment result) {
        return (int) call(GetpwuidR.H, cs, uid, addr(pwd), addr(buf), size, addr(result), 0);
    }

    private static final class GetgrgidR {
        static final MethodHandle H = link("getgrgid_r");
    }

    /** Returns 0 or an error number; *result is NULL when there is no such group. */
    static int getgrgidR(MemorySegment cs, int gid, MemorySegment grp, MemorySegment buf, long size,
            MemorySegment result) {
        return (int) call(GetgrgidR.H, cs, gid, addr(grp), addr(buf), size, addr(result), 0);
    }
}
