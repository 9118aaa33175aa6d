package org.obnam.generation;

import org.obnam.fs.FileType;
import org.obnam.fs.RawPath;
import org.obnam.fs.Timespec;

/**
 * What a backup needs of an entry in the previous generation to decide whether the file changed:
 * its row number, path and the metadata compared. Reading only these columns, instead of the
 * whole row with its chunk list, halves the cost of following the previous generation; an
 * unchanged file's row is then copied inside SQLite ({@link GenerationWriter#copyUnchanged}).
 *
 * @param hardLink the row names an earlier path of the same inode instead of holding content
 */
public record EntryStamp(
        long fileno,
        RawPath path,
        FileType type,
        int permissions,
        long uid,
        long gid,
        long size,
        Timespec mtime,
        Timespec ctime,
        long inode,
        long deviceMajor,
        long deviceMinor,
        long nlink,
        Reason reason,
        boolean cachedirTag,
        boolean hardLink) {

    /** The columns, with kind and reason as their enum's ordinal (-1 for an unknown text): no strings to decode. */
    static final String COLUMNS = "fileno, path, " + ordinal("kind", FileType.values()) + ", perm, uid, gid, size, "
            + "mtime_sec, mtime_nsec, ctime_sec, ctime_nsec, ino, dev_major, dev_minor, nlink, "
            + ordinal("reason", Reason.values()) + ", cachedir_tag, hardlink IS NOT NULL";

    private static String ordinal(String column, Enum<?>[] values) {
        StringBuilder sql = new StringBuilder("CASE ").append(column);
        for (Enum<?> v : values) {
            String text = v instanceof Reason r ? r.text() : v.name();
            sql.append(" WHEN '").append(text).append("' THEN ").append(v.ordinal());
        }
        return sql.append(" ELSE -1 END").toString();
    }
}
