package org.obnam.fs;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reading and writing extended attributes, either of an open fd (f*xattr) or of a name in a
 * directory fd. For names there is no *xattrat call in glibc 2.36, so we use l*xattr on
 * "/proc/self/fd/DIRFD/NAME": that path is short however deep the directory is.
 */
final class Xattrs {
    /** The three calls, bound to one file. */
    private interface Target {
        long list(MemorySegment cs, MemorySegment buf, long size);

        long get(MemorySegment cs, MemorySegment name, MemorySegment buf, long size);

        int set(MemorySegment cs, MemorySegment name, MemorySegment value, long size);
    }

    /** Builds the exception for a failed call. */
    interface Errors {
        ErrnoException error(String operation, int errno);
    }

    private Xattrs() {}

    static List<Xattr> ofFd(int fd, Errors errors) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            return read(fdTarget(fd), arena, errors);
        }
    }

    static List<Xattr> ofName(int dirfd, RawName name, Errors errors) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            return read(pathTarget(procPath(arena, dirfd, name)), arena, errors);
        }
    }

    static void setOnFd(int fd, byte[] key, byte[] value, Errors errors) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            write(fdTarget(fd), arena, key, value, errors);
        }
    }

    static void setOnName(int dirfd, RawName name, byte[] key, byte[] value, Errors errors) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            write(pathTarget(procPath(arena, dirfd, name)), arena, key, value, errors);
        }
    }

    private static Target fdTarget(int fd) {
        return new Target() {
            public long list(MemorySegment cs, MemorySegment buf, long size) {
                return Libc.flistxattr(cs, fd, buf, size);
            }

            public long get(MemorySegment cs, MemorySegment name, MemorySegment buf, long size) {
                return Libc.fgetxattr(cs, fd, name, buf, size);
            }

            public int set(MemorySegment cs, MemorySegment name, MemorySegment value, long size) {
                return Libc.fsetxattr(cs, fd, name, value, size, 0);
            }
        };
    }

    private static Target pathTarget(MemorySegment path) {
        return new Target() {
            public long list(MemorySegment cs, MemorySegment buf, long size) {
                return Libc.llistxattr(cs, path, buf, size);
            }

            public long get(MemorySegment cs, MemorySegment name, MemorySegment buf, long size) {
                return Libc.lgetxattr(cs, path, name, buf, size);
            }

            public int set(MemorySegment cs, MemorySegment name, MemorySegment value, long size) {
                return Libc.lsetxattr(cs, path, name, value, size, 0);
            }
        };
    }

    private static MemorySegment procPath(Arena arena, int dirfd, RawName name) {
        byte[] prefix = ("/proc/self/fd/" + dirfd + "/").getBytes(StandardCharsets.US_ASCII);
        byte[] n = name.raw();
        MemorySegment path = arena.allocate(prefix.length + n.length + 1L);
        MemorySegment.copy(prefix, 0, path, JAVA_BYTE, 0, prefix.length);
        MemorySegment.copy(n, 0, path, JAVA_BYTE, prefix.length, n.length);
        return path; // allocate() zeroes, so the string is terminated
    }

    private static List<Xattr> read(Target target, Arena arena, Errors errors) throws ErrnoException {
        MemorySegment cs = Scratch.get().errno;
        byte[] names = null;
        // The list can change between asking for its size and reading it: retry on ERANGE.
        while (names == null) {
            long size = target.list(cs, MemorySegment.NULL, 0);
            if (size < 0) {
                int errno = Libc.errno(cs);
                if (unsupported(errno)) {
                    return List.of();
                }
                throw errors.error("listxattr", errno);
            }
            if (size == 0) {
                return List.of();
            }
            MemorySegment buf = arena.allocate(Math.max(size, 1));
            long n = target.list(cs, buf, buf.byteSize());
            if (n >= 0) {
                names = buf.asSlice(0, n).toArray(JAVA_BYTE);
            } else if (Libc.errno(cs) != ErrnoException.ERANGE) {
                int errno = Libc.errno(cs);
                if (unsupported(errno)) {
                    return List.of();
                }
                throw errors.error("listxattr", errno);
            }
        }
        List<Xattr> result = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < names.length; i++) {
            if (names[i] == 0) {
                if (i > start) {
                    byte[] name = Arrays.copyOfRange(names, start, i);
                    byte[] value = value(target, arena, name, errors);
                    if (value != null) {
                        result.add(new Xattr(name, value));
                    }
                }
                start = i + 1;
            }
        }
        return List.copyOf(result);
    }

    /** The value of one attribute, or null if it vanished meanwhile. */
    private static byte[] value(Target target, Arena arena, byte[] name, Errors errors) throws ErrnoException {
        MemorySegment cs = Scratch.get().errno;
        MemorySegment cname = cstring(arena, name);
        while (true) {
            long size = target.get(cs, cname, MemorySegment.NULL, 0);
            if (size < 0) {
                int errno = Libc.errno(cs);
                if (errno == ErrnoException.ENODATA) {
                    return null;
                }
                throw errors.error("getxattr " + Escaping.escape(name), errno);
            }
            if (size == 0) {
                return new byte[0];
            }
            MemorySegment buf = arena.allocate(size);
            long n = target.get(cs, cname, buf, size);
            if (n >= 0) {
                return buf.asSlice(0, n).toArray(JAVA_BYTE);
            }
            int errno = Libc.errno(cs);
            if (errno == ErrnoException.ENODATA) {
                return null;
            }
            if (errno != ErrnoException.ERANGE) {
                throw errors.error("getxattr " + Escaping.escape(name), errno);
            }
        }
    }

    private static void write(Target target, Arena arena, byte[] key, byte[] value, Errors errors)
            throws ErrnoException {
        if (key.length == 0 || indexOfNul(key) >= 0) {
            throw new IllegalArgumentException("invalid xattr name \"" + Escaping.escape(key) + "\"");
        }
        MemorySegment cs = Scratch.get().errno;
        MemorySegment v = arena.allocate(Math.max(value.length, 1));
        MemorySegment.copy(value, 0, v, JAVA_BYTE, 0, value.length);
        if (target.set(cs, cstring(arena, key), v, value.length) != 0) {
            throw errors.error("setxattr " + Escaping.escape(key), Libc.errno(cs));
        }
    }

    /** ENOTSUP: the file system has no xattrs; EPERM: symlinks and devices refuse user.* ones. */
    private static boolean unsupported(int errno) {
        return errno == ErrnoException.ENOTSUP || errno == ErrnoException.EPERM;
    }

    private static MemorySegment cstring(Arena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(bytes.length + 1L);
        MemorySegment.copy(bytes, 0, s, JAVA_BYTE, 0, bytes.length);
        return s;
    }

    private static int indexOfNul(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
