package org.obnam.backup;

import java.util.List;
import org.obnam.fs.FileStat;
import org.obnam.fs.RawPath;
import org.obnam.fs.Users;
import org.obnam.fs.Xattr;
import org.obnam.generation.Entry;
import org.obnam.generation.EntryStamp;
import org.obnam.generation.Reason;

/** Builds generation entries from what the file system reports. */
final class Entries {
    private Entries() {}

    static Entry of(RawPath path, FileStat st, byte[] symlinkTarget, List<Xattr> xattrs, Reason reason, boolean cachedirTag) {
        return new Entry(path, st.type(), st.permissions(), st.uid(), st.gid(), Users.userName(st.uid()),
                Users.groupName(st.gid()), st.size(), st.mtime(), st.ctime(), st.inode(), st.deviceMajor(),
                st.deviceMinor(), st.nlink(), st.rdevMajor(), st.rdevMinor(), symlinkTarget, xattrs, null, null,
                reason, cachedirTag);
    }

    /**
     * An unchanged file as the walk found it. Its user and group names, extended attributes,
     * extents and chunk list are not read again: the generation takes them from the previous one.
     */
    static Entry unchanged(RawPath path, FileStat st, boolean cachedirTag) {
        return new Entry(path, st.type(), st.permissions(), st.uid(), st.gid(), null, null, st.size(), st.mtime(),
                st.ctime(), st.inode(), st.deviceMajor(), st.deviceMinor(), st.nlink(), st.rdevMajor(),
                st.rdevMinor(), null, List.of(), null, null, Reason.UNCHANGED, cachedirTag);
    }

    /**
     * True when an entry's metadata says its content cannot have changed: same type, size,
     * modification and change times to the nanosecond, inode and mode. (ctime moves with any
     * change to content, ownership, links or extended attributes.)
     */
    static boolean sameAsBefore(FileStat st, EntryStamp before) {
        return before.type() == st.type()
                && before.size() == st.size()
                && before.mtime().equals(st.mtime())
                && before.ctime().equals(st.ctime())
                && before.inode() == st.inode()
                && before.permissions() == st.permissions()
                && before.uid() == st.uid()
                && before.gid() == st.gid();
    }
}
