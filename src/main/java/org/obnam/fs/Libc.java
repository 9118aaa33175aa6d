package org.obnam.fs;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Downcalls to glibc (x86_64 Linux). Every wrapper takes the per-thread errno capture segment
 * first and returns the raw result; callers check for -1 and read {@link #errno}.
 *
 * <p>Each function lives in its own holder class so that it is linked on first use: linking costs
 * 4-40 ms per new signature, and eager linking of all of them would add ~150 ms to start-up.
 * errno is captured by the linker because the JVM may overwrite the thread's errno after the call.
 */
final class Libc {
    // open(2) flags, x86_64 values.
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 01;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_NOCTTY = 0400;
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

    // Restricted: needs --enable-native-access (surefire and the jar manifest grant it).
    @SuppressWarnings("restricted")
    private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... more) {
        MemorySegment symbol = LOOKUP.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("glibc has no " + name));
        Linker.Option[] options = new Linker.Option[more.length + 1];
        options[0] = CAPTURE;
        System.arraycopy(more, 0, options, 1, more.length);
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** Like {@link #link} but null when the symbol is missing (older glibc). */
    private static MethodHandle linkOptional(String name, FunctionDescriptor descriptor) {
        return LOOKUP.find(name).isPresent() ? link(name, descriptor) : null;
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

    private static FunctionDescriptor ints(int count) {
        MemoryLayout[] args = new MemoryLayout[count];
        Arrays.fill(args, JAVA_INT);
        return FunctionDescriptor.of(JAVA_INT, args);
    }

    // ---- opening, closing, listing

    private static final class Openat {
        // int openat(int dirfd, const char *path, int flags, ...): the mode is the first variadic argument.
        static final MethodHandle H = link("openat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                Linker.Option.firstVariadicArg(3));
    }

    static int openat(MemorySegment cs, int dirfd, MemorySegment path, int flags, int mode) {
        try {
            return (int) Openat.H.invokeExact(cs, dirfd, path, flags, mode);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Close {
        static final MethodHandle H = link("close", ints(1));
    }

    static int close(MemorySegment cs, int fd) {
        try {
            return (int) Close.H.invokeExact(cs, fd);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Getdents64 {
        static final MethodHandle H = link("getdents64", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }

    static long getdents64(MemorySegment cs, int fd, MemorySegment buf, long size) {
        try {
            return (long) Getdents64.H.invokeExact(cs, fd, buf, size);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- stat

    private static final class Statx {
        static final MethodHandle H = linkOptional("statx",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    }

    static boolean hasStatx() {
        return Statx.H != null;
    }

    static int statx(MemorySegment cs, int dirfd, MemorySegment path, int flags, int mask, MemorySegment buf) {
        try {
            return (int) Statx.H.invokeExact(cs, dirfd, path, flags, mask, buf);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Fstatat {
        static final MethodHandle H = link("fstatat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    }

    static int fstatat(MemorySegment cs, int dirfd, MemorySegment path, MemorySegment buf, int flags) {
        try {
            return (int) Fstatat.H.invokeExact(cs, dirfd, path, buf, flags);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Readlinkat {
        static final MethodHandle H = link("readlinkat",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    }

    static long readlinkat(MemorySegment cs, int dirfd, MemorySegment path, MemorySegment buf, long size) {
        try {
            return (long) Readlinkat.H.invokeExact(cs, dirfd, path, buf, size);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- creating and removing entries

    private static final class Mkdirat {
        static final MethodHandle H = link("mkdirat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }

    static int mkdirat(MemorySegment cs, int dirfd, MemorySegment path, int mode) {
        try {
            return (int) Mkdirat.H.invokeExact(cs, dirfd, path, mode);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Symlinkat {
        static final MethodHandle H = link("symlinkat", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    }

    static int symlinkat(MemorySegment cs, MemorySegment target, int dirfd, MemorySegment path) {
        try {
            return (int) Symlinkat.H.invokeExact(cs, target, dirfd, path);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Mkfifoat {
        static final MethodHandle H = link("mkfifoat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }

    static int mkfifoat(MemorySegment cs, int dirfd, MemorySegment path, int mode) {
        try {
            return (int) Mkfifoat.H.invokeExact(cs, dirfd, path, mode);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Mknodat {
        static final MethodHandle H = link("mknodat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    }

    static int mknodat(MemorySegment cs, int dirfd, MemorySegment path, int mode, long dev) {
        try {
            return (int) Mknodat.H.invokeExact(cs, dirfd, path, mode, dev);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Linkat {
        static final MethodHandle H = link("linkat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    }

    static int linkat(MemorySegment cs, int olddirfd, MemorySegment oldpath, int newdirfd, MemorySegment newpath,
            int flags) {
        try {
            return (int) Linkat.H.invokeExact(cs, olddirfd, oldpath, newdirfd, newpath, flags);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Unlinkat {
        static final MethodHandle H = link("unlinkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }

    static int unlinkat(MemorySegment cs, int dirfd, MemorySegment path, int flags) {
        try {
            return (int) Unlinkat.H.invokeExact(cs, dirfd, path, flags);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Renameat {
        static final MethodHandle H = link("renameat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    }

    static int renameat(MemorySegment cs, int olddirfd, MemorySegment oldpath, int newdirfd, MemorySegment newpath) {
        try {
            return (int) Renameat.H.invokeExact(cs, olddirfd, oldpath, newdirfd, newpath);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- metadata by name

    private static final class Fchownat {
        static final MethodHandle H = link("fchownat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    }

    static int fchownat(MemorySegment cs, int dirfd, MemorySegment path, int uid, int gid, int flags) {
        try {
            return (int) Fchownat.H.invokeExact(cs, dirfd, path, uid, gid, flags);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Fchmodat {
        static final MethodHandle H = link("fchmodat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    }

    static int fchmodat(MemorySegment cs, int dirfd, MemorySegment path, int mode, int flags) {
        try {
            return (int) Fchmodat.H.invokeExact(cs, dirfd, path, mode, flags);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Utimensat {
        static final MethodHandle H = link("utimensat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    }

    static int utimensat(MemorySegment cs, int dirfd, MemorySegment path, MemorySegment times, int flags) {
        try {
            return (int) Utimensat.H.invokeExact(cs, dirfd, path, times, flags);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- extended attributes

    private static final class Llistxattr {
        static final MethodHandle H = link("llistxattr",
                FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    }

    static long llistxattr(MemorySegment cs, MemorySegment path, MemorySegment list, long size) {
        try {
            return (long) Llistxattr.H.invokeExact(cs, path, list, size);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Lgetxattr {
        static final MethodHandle H = link("lgetxattr",
                FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    }

    static long lgetxattr(MemorySegment cs, MemorySegment path, MemorySegment name, MemorySegment value, long size) {
        try {
            return (long) Lgetxattr.H.invokeExact(cs, path, name, value, size);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Lsetxattr {
        static final MethodHandle H = link("lsetxattr",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    static int lsetxattr(MemorySegment cs, MemorySegment path, MemorySegment name, MemorySegment value, long size,
            int flags) {
        try {
            return (int) Lsetxattr.H.invokeExact(cs, path, name, value, size, flags);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Flistxattr {
        static final MethodHandle H = link("flistxattr",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }

    static long flistxattr(MemorySegment cs, int fd, MemorySegment list, long size) {
        try {
            return (long) Flistxattr.H.invokeExact(cs, fd, list, size);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Fgetxattr {
        static final MethodHandle H = link("fgetxattr",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    }

    static long fgetxattr(MemorySegment cs, int fd, MemorySegment name, MemorySegment value, long size) {
        try {
            return (long) Fgetxattr.H.invokeExact(cs, fd, name, value, size);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Fsetxattr {
        static final MethodHandle H = link("fsetxattr",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    static int fsetxattr(MemorySegment cs, int fd, MemorySegment name, MemorySegment value, long size, int flags) {
        try {
            return (int) Fsetxattr.H.invokeExact(cs, fd, name, value, size, flags);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- file I/O

    private static final class Read {
        static final MethodHandle H = link("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }

    static long read(MemorySegment cs, int fd, MemorySegment buf, long count) {
        try {
            return (long) Read.H.invokeExact(cs, fd, buf, count);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Write {
        static final MethodHandle H = link("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }

    static long write(MemorySegment cs, int fd, MemorySegment buf, long count) {
        try {
            return (long) Write.H.invokeExact(cs, fd, buf, count);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Pread {
        static final MethodHandle H = link("pread",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    }

    static long pread(MemorySegment cs, int fd, MemorySegment buf, long count, long offset) {
        try {
            return (long) Pread.H.invokeExact(cs, fd, buf, count, offset);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Pwrite {
        static final MethodHandle H = link("pwrite",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    }

    static long pwrite(MemorySegment cs, int fd, MemorySegment buf, long count, long offset) {
        try {
            return (long) Pwrite.H.invokeExact(cs, fd, buf, count, offset);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Lseek {
        static final MethodHandle H = link("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    }

    static long lseek(MemorySegment cs, int fd, long offset, int whence) {
        try {
            return (long) Lseek.H.invokeExact(cs, fd, offset, whence);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Ftruncate {
        static final MethodHandle H = link("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    }

    static int ftruncate(MemorySegment cs, int fd, long length) {
        try {
            return (int) Ftruncate.H.invokeExact(cs, fd, length);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Fsync {
        static final MethodHandle H = link("fsync", ints(1));
    }

    static int fsync(MemorySegment cs, int fd) {
        try {
            return (int) Fsync.H.invokeExact(cs, fd);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class PosixFadvise {
        static final MethodHandle H = link("posix_fadvise",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    }

    /** Returns the error number itself (posix_fadvise does not set errno). */
    static int posixFadvise(MemorySegment cs, int fd, long offset, long length, int advice) {
        try {
            return (int) PosixFadvise.H.invokeExact(cs, fd, offset, length, advice);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- metadata by fd

    private static final class Fchown {
        static final MethodHandle H = link("fchown", ints(3));
    }

    static int fchown(MemorySegment cs, int fd, int uid, int gid) {
        try {
            return (int) Fchown.H.invokeExact(cs, fd, uid, gid);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Fchmod {
        static final MethodHandle H = link("fchmod", ints(2));
    }

    static int fchmod(MemorySegment cs, int fd, int mode) {
        try {
            return (int) Fchmod.H.invokeExact(cs, fd, mode);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Futimens {
        static final MethodHandle H = link("futimens", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }

    static int futimens(MemorySegment cs, int fd, MemorySegment times) {
        try {
            return (int) Futimens.H.invokeExact(cs, fd, times);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- process and user database

    private static final class Geteuid {
        static final MethodHandle H = link("geteuid", FunctionDescriptor.of(JAVA_INT));
    }

    static int geteuid(MemorySegment cs) {
        try {
            return (int) Geteuid.H.invokeExact(cs);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class Getcwd {
        static final MethodHandle H = link("getcwd", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG));
    }

    static MemorySegment getcwd(MemorySegment cs, MemorySegment buf, long size) {
        try {
            return (MemorySegment) Getcwd.H.invokeExact(cs, buf, size);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class GetpwuidR {
        static final MethodHandle H = link("getpwuid_r",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    }

    /** Returns 0 or an error number; *result is NULL when there is no such user. */
    static int getpwuidR(MemorySegment cs, int uid, MemorySegment pwd, MemorySegment buf, long size,
            MemorySegment result) {
        try {
            return (int) GetpwuidR.H.invokeExact(cs, uid, pwd, buf, size, result);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final class GetgrgidR {
        static final MethodHandle H = link("getgrgid_r",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    }

    /** Returns 0 or an error number; *result is NULL when there is no such group. */
    static int getgrgidR(MemorySegment cs, int gid, MemorySegment grp, MemorySegment buf, long size,
            MemorySegment result) {
        try {
            return (int) GetgrgidR.H.invokeExact(cs, gid, grp, buf, size, result);
        } catch (Throwable t) {
            throw fail(t);
        }
    }
}
