package org.obnam.fs;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
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

    /** The bytes {@link #decode} reads: up to the end of stx_dev_minor. */
    private static final int DECODED = Math.toIntExact(DEV_MINOR + 4);

    /**
     * Decodes with one copy into a Java array and plain shifts: the walker decodes a statx per
     * entry, mostly before the JIT has compiled it, and eighteen memory-segment reads (each an
     * access check in interpreted or C1 code) were an eighth of its time.
     */
    static FileStat decode(MemorySegment s) {
        byte[] b = new byte[DECODED];
        MemorySegment.copy(s, JAVA_BYTE, 0, b, 0, DECODED);
        int mode = (b[(int) MODE] & 0xff) | (b[(int) MODE + 1] & 0xff) << 8;
        return new FileStat(
                FileType.fromMode(mode),
                mode & 07777,
                u32(b, UID),
                u32(b, GID),
                s64(b, FILE_SIZE),
                s64(b, BLOCKS),
                u32(b, NLINK),
                s64(b, INO),
                u32(b, DEV_MAJOR),
                u32(b, DEV_MINOR),
                u32(b, RDEV_MAJOR),
                u32(b, RDEV_MINOR),
                time(b, ATIME),
                time(b, MTIME),
                time(b, CTIME));
    }

    // Little-endian, as on every platform this layout is for.
    private static int s32(byte[] b, long offset) {
        int i = (int) offset;
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | b[i + 3] << 24;
    }

    private static long u32(byte[] b, long offset) {
        return Integer.toUnsignedLong(s32(b, offset));
    }

    private static long s64(byte[] b, long offset) {
        return u32(b, offset) | (long) s32(b, offset + 4) << 32;
    }

    private static Timespec time(byte[] b, long offset) {
        return new Timespec(s64(b, offset), s32(b, offset + 8));
    }
}
