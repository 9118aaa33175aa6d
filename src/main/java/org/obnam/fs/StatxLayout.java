package org.obnam.fs;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** struct statx (linux/stat.h) on x86_64, and decoding it into a {@link FileStat}. */
final class StatxLayout {
    static final StructLayout TIMESTAMP = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"),
            JAVA_INT.withName("tv_nsec"),
            JAVA_INT.withName("__reserved"));

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("stx_mask"),
            JAVA_INT.withName("stx_blksize"),
            JAVA_LONG.withName("stx_attributes"),
            JAVA_INT.withName("stx_nlink"),
            JAVA_INT.withName("stx_uid"),
            JAVA_INT.withName("stx_gid"),
            JAVA_SHORT.withName("stx_mode"),
            MemoryLayout.paddingLayout(2),
            JAVA_LONG.withName("stx_ino"),
            JAVA_LONG.withName("stx_size"),
            JAVA_LONG.withName("stx_blocks"),
            JAVA_LONG.withName("stx_attributes_mask"),
            TIMESTAMP.withName("stx_atime"),
            TIMESTAMP.withName("stx_btime"),
            TIMESTAMP.withName("stx_ctime"),
            TIMESTAMP.withName("stx_mtime"),
            JAVA_INT.withName("stx_rdev_major"),
            JAVA_INT.withName("stx_rdev_minor"),
            JAVA_INT.withName("stx_dev_major"),
            JAVA_INT.withName("stx_dev_minor"),
            JAVA_LONG.withName("stx_mnt_id"),
            JAVA_INT.withName("stx_dio_mem_align"),
            JAVA_INT.withName("stx_dio_offset_align"),
            MemoryLayout.sequenceLayout(12, JAVA_LONG).withName("__spare3"));

    static final long SIZE = LAYOUT.byteSize();

    static final long NLINK = offset("stx_nlink");
    static final long UID = offset("stx_uid");
    static final long GID = offset("stx_gid");
    static final long MODE = offset("stx_mode");
    static final long INO = offset("stx_ino");
    static final long FILE_SIZE = offset("stx_size");
    static final long BLOCKS = offset("stx_blocks");
    static final long ATIME = offset("stx_atime");
    static final long BTIME = offset("stx_btime");
    static final long CTIME = offset("stx_ctime");
    static final long MTIME = offset("stx_mtime");
    static final long RDEV_MAJOR = offset("stx_rdev_major");
    static final long RDEV_MINOR = offset("stx_rdev_minor");
    static final long DEV_MAJOR = offset("stx_dev_major");
    static final long DEV_MINOR = offset("stx_dev_minor");

    static {
        // The kernel writes 256 bytes whatever we ask for; a smaller buffer would be overrun.
        if (SIZE != 256) {
            throw new AssertionError("struct statx must be 256 bytes, layout has " + SIZE);
        }
    }

    private StatxLayout() {}

    static long offset(String field) {
        return LAYOUT.byteOffset(groupElement(field));
    }

    static FileStat decode(MemorySegment s) {
        int mode = Short.toUnsignedInt(s.get(JAVA_SHORT, MODE));
        return new FileStat(
                FileType.fromMode(mode),
                mode & 07777,
                u32(s, UID),
                u32(s, GID),
                s.get(JAVA_LONG, FILE_SIZE),
                s.get(JAVA_LONG, BLOCKS),
                u32(s, NLINK),
                s.get(JAVA_LONG, INO),
                u32(s, DEV_MAJOR),
                u32(s, DEV_MINOR),
                u32(s, RDEV_MAJOR),
                u32(s, RDEV_MINOR),
                time(s, ATIME),
                time(s, MTIME),
                time(s, CTIME));
    }

    private static long u32(MemorySegment s, long offset) {
        return Integer.toUnsignedLong(s.get(JAVA_INT, offset));
    }

    private static Timespec time(MemorySegment s, long offset) {
        return new Timespec(s.get(JAVA_LONG, offset), s.get(JAVA_INT, offset + 8));
    }
}
