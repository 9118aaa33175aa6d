package org.obnam.fs;

import java.lang.foreign.MemorySegment;

/** stat through statx, falling back for good to fstatat when statx is unavailable. */
final class Stats {
    private static final int STATX_FLAGS_MASK = Libc.AT_SYMLINK_NOFOLLOW | Libc.AT_EMPTY_PATH | Libc.AT_NO_AUTOMOUNT;

    // Racy but harmless: at worst a few more threads try statx once and get ENOSYS.
    private static volatile boolean useStatx = Libc.hasStatx();

    private Stats() {}

    /**
     * Stats {@code path} relative to {@code dirfd} (an empty path with AT_EMPTY_PATH stats the fd).
     * Returns null on failure, with the errno in {@code s}.
     */
    static FileStat statAt(Scratch s, int dirfd, MemorySegment path, int atFlags) {
        if (useStatx) {
            int rc = Libc.statx(s.errno, dirfd, path, atFlags & STATX_FLAGS_MASK, Libc.STATX_BASIC_STATS, s.stat);
            if (rc == 0) {
                return StatxLayout.decode(s.stat);
            }
            if (s.lastErrno() != ErrnoException.ENOSYS) {
                return null;
            }
            useStatx = false;
        }
        int rc = Libc.fstatat(s.errno, dirfd, path, s.stat, atFlags & (Libc.AT_SYMLINK_NOFOLLOW | Libc.AT_EMPTY_PATH));
        return rc == 0 ? StatLayout.decode(s.stat) : null;
    }

    /** fstat of an open fd. Null on failure, with the errno in {@code s}. */
    static FileStat fstat(Scratch s, int fd) {
        return statAt(s, fd, s.cstr1(EMPTY), Libc.AT_EMPTY_PATH);
    }

    private static final byte[] EMPTY = new byte[0];
}
