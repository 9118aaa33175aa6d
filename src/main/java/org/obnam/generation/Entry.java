package org.obnam.generation;

import java.util.List;
import org.obnam.fs.Extent;
import org.obnam.fs.FileType;
import org.obnam.fs.RawPath;
import org.obnam.fs.Timespec;
import org.obnam.fs.Xattr;

/**
 * One file-system entry as a generation records it. Paths and symlink targets are raw bytes.
 *
 * @param extents the data extents of a sparse file, or null for a dense one
 * @param hardLinkTo for the second and later names of a hard-linked inode: the first name
 */
public record Entry(
        RawPath path,
        FileType type,
        int permissions,
        long uid,
        long gid,
        String user,
        String group,
        long size,
        Timespec mtime,
        Timespec ctime,
        long inode,
        long deviceMajor,
        long deviceMinor,
        long nlink,
        long rdevMajor,
        long rdevMinor,
        byte[] symlinkTarget,
        List<Xattr> xattrs,
        List<Extent> extents,
        RawPath hardLinkTo,
        Reason reason,
        boolean cachedirTag) {

    public Entry withReason(Reason r) {
        return new Entry(path, type, permissions, uid, gid, user, group, size, mtime, ctime, inode, deviceMajor,
                deviceMinor, nlink, rdevMajor, rdevMinor, symlinkTarget, xattrs, extents, hardLinkTo, r, cachedirTag);
    }

    public Entry withHardLinkTo(RawPath first) {
        return new Entry(path, type, permissions, uid, gid, user, group, size, mtime, ctime, inode, deviceMajor,
                deviceMinor, nlink, rdevMajor, rdevMinor, symlinkTarget, xattrs, extents, first, reason, cachedirTag);
    }

    public Entry withExtents(List<Extent> e) {
        if (e == extents) {
            return this; // most files are not sparse: no copy per file
        }
        return new Entry(path, type, permissions, uid, gid, user, group, size, mtime, ctime, inode, deviceMajor,
                deviceMinor, nlink, rdevMajor, rdevMinor, symlinkTarget, xattrs, e, hardLinkTo, reason, cachedirTag);
    }

    /** Bytes of file content this entry stands for (regular files only). */
    public long contentBytes() {
        return type == FileType.REGULAR ? size : 0;
    }
}
