package org.obnam.fs;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * struct stat on x86_64, for the fstatat fallback when statx is missing or filtered (ENOSYS, as
 * some container sandboxes do), and glibc's dev_t encoding for mknodat.
 */
final class StatLayout {
    static final StructLayout TIMESPEC = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"), JAVA_LONG.withName("tv_nsec"));

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("st_dev"),
            JAVA_LONG.withName("st_ino"),
            JAVA_LONG.withName("st_nlink"),
            JAVA_INT.withName("st_mode"),
            JAVA_INT.withName("st_uid"),
            JAVA_INT.withName("st_gid"),
            JAVA_INT.withName("__pad0"),
            JAVA_LONG.withName("st_rdev"),
            JAVA_LONG.withName("st_size"),
            JAVA_LONG.withName("st_blksize"),
            JAVA_LONG.withName("st_blocks"),
            TIMESPEC.withName("st_atim"),
            TIMESPEC.withName("st_mtim"),
            TIMESPEC.withName("st_ctim"),
            MemoryLayout.sequenceLayout(3, JAVA_LONG).withName("__glibc_reserved"));

    static final long SIZE = LAYOUT.byteSize();

    static final long DEV = offset("st_dev");
    static final long INO = offset("st_ino");
    static final long NLINK = offset("st_nlink");
    static final long MODE = offset("st_mode");
    static final long UID = offset("st_uid");
    static final long GID = offset("st_gid");
    static final long RDEV = offset("st_rdev");
    static final long FILE_SIZE = offset("st_size");
    static final long BLOCKS = offset("st_blocks");
    static final long ATIM = offset("st_atim");
    static final long MTIM = offset("st_mtim");
    static final long CTIM = offset("st_ctim");

    private StatLayout() {}

    static long offset(String field) {
        return LAYOUT.byteOffset(groupElement(field));
    }

    static FileStat decode(MemorySegment s) {
        int mode = s.get(JAVA_INT, MODE);
        long dev = s.get(JAVA_LONG, DEV);
        long rdev = s.get(JAVA_LONG, RDEV);
        return new FileStat(
                FileType.fromMode(mode),
                mode & 07777,
                Integer.toUnsignedLong(s.get(JAVA_INT, UID)),
                Integer.toUnsignedLong(s.get(JAVA_INT, GID)),
                s.get(JAVA_LONG, FILE_SIZE),
                s.get(JAVA_LONG, BLOCKS),
                s.get(JAVA_LONG, NLINK),
                s.get(JAVA_LONG, INO),
                major(dev),
                minor(dev),
                major(rdev),
                minor(rdev),
                time(s, ATIM),
                time(s, MTIM),
                time(s, CTIM));
    }

    private static Timespec time(MemorySegment s, long offset) {
        return new Timespec(s.get(JAVA_LONG, offset), (int) s.get(JAVA_LONG, offset + 8));
    }

    // glibc's gnu_dev_major/minor/makedev bit layout (sys/sysmacros.h).
    static long major(long dev) {
        return ((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0xfffL);
    }

    static long minor(long dev) {
        return ((dev >>> 12) & 0xffffff00L) | (dev & 0xffL);
    }

    static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
                | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }
}
