package org.obnam.fs;

/**
 * The metadata of one file, as lstat/statx report it. Unsigned kernel fields (uid, gid, nlink,
 * device numbers) are widened to long without sign extension.
 *
 * @param permissions mode &amp; 07777 (including setuid, setgid and sticky bits)
 * @param blocks allocated size in 512-byte units
 * @param deviceMajor the device holding the file (with inode, identifies a hard-link group)
 * @param rdevMajor for character and block devices, the device the node refers to
 */
public record FileStat(
        FileType type,
        int permissions,
        long uid,
        long gid,
        long size,
        long blocks,
        long nlink,
        long inode,
        long deviceMajor,
        long deviceMinor,
        long rdevMajor,
        long rdevMinor,
        Timespec atime,
        Timespec mtime,
        Timespec ctime) {

    public FileStat {
        if ((permissions & ~07777) != 0) {
            throw new IllegalArgumentException("permissions out of range: 0" + Integer.toOctalString(permissions));
        }
    }

    /** Type bits | permissions, as st_mode. */
    public int mode() {
        return type.modeBits() | permissions;
    }
}
