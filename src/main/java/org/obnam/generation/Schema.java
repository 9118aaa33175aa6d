package org.obnam.generation;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** The SQL of each schema version. The files table is shared; 1.0 adds a row per chunk. */
final class Schema {
    static final String FILE_COLUMNS = "path, kind, perm, uid, gid, user, grp, size, mtime_sec, mtime_nsec, "
            + "ctime_sec, ctime_nsec, ino, dev_major, dev_minor, nlink, rdev_major, rdev_minor, target, xattrs, "
            + "extents, hardlink, reason, cachedir_tag, chunks";

    private Schema() {}

    static void create(Connection db, SchemaVersion version) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            s.execute("CREATE TABLE files (fileno INTEGER PRIMARY KEY, path BLOB NOT NULL, kind TEXT NOT NULL, "
                    + "perm INTEGER NOT NULL, uid INTEGER NOT NULL, gid INTEGER NOT NULL, user TEXT, grp TEXT, "
                    + "size INTEGER NOT NULL, mtime_sec INTEGER NOT NULL, mtime_nsec INTEGER NOT NULL, "
                    + "ctime_sec INTEGER NOT NULL, ctime_nsec INTEGER NOT NULL, ino INTEGER NOT NULL, "
                    + "dev_major INTEGER NOT NULL, dev_minor INTEGER NOT NULL, nlink INTEGER NOT NULL, "
                    + "rdev_major INTEGER NOT NULL, rdev_minor INTEGER NOT NULL, target BLOB, xattrs BLOB, "
                    + "extents BLOB, hardlink BLOB, reason TEXT NOT NULL, cachedir_tag INTEGER NOT NULL, chunks BLOB)");
            if (version.equals(SchemaVersion.V1)) {
                s.execute("CREATE TABLE file_chunks (fileno INTEGER NOT NULL, seq INTEGER NOT NULL, label BLOB NOT NULL, "
                        + "object TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL, "
                        + "size INTEGER NOT NULL, PRIMARY KEY (fileno, seq)) WITHOUT ROWID");
            }
        }
    }

    /**
     * Indexes are built once at the end: cheaper than maintaining them row by row. SQLite sorts
     * in memory up to the page cache's size before it spills to temporary files, so the cache is
     * made small first: with the writer's 4 MiB cache the sort of 50,000 paths raised a backup's
     * peak RSS by 9 to 10 MiB at its very end; with 512 KiB (SQLite sorts at least 1 MiB in
     * memory anyway) by 4 to 5 MiB, no slower for 50,000 or 200,000 files.
     */
    static void finish(Connection db) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("PRAGMA main.cache_size = -512");
            s.execute("CREATE INDEX files_by_path ON files (path)");
        }
    }
}
