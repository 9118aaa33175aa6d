package org.obnam.generation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.List;
import java.util.Map;
import org.obnam.util.Sqlite;

/**
 * Writes a new generation database. Not thread-safe: the backup pipeline has one writer, which
 * adds entries in walk order so the database does not depend on thread timing. The file is a
 * scratch copy until it is stored in the repository, so SQLite's journal is off.
 */
public final class GenerationWriter implements AutoCloseable {
    private final Path file;
    private final SchemaVersion version;
    private final Connection db;
    private final PreparedStatement insertFile;
    private final PreparedStatement insertChunk;
    private PreparedStatement copyRows;
    private PreparedStatement copyChunks;
    private PreparedStatement addFromPrevious;
    private Previous previous; // null: no previous generation to copy rows from
    private long runFirstRow; // a run of rows still to copy from the previous generation
    private long runFirstPrevious;
    private long runLength;
    private long fileCount;
    private long fileBytes;
    private long pending;
    private final java.util.BitSet reserved = new java.util.BitSet(); // row numbers taken, rows not yet written
    /** The reserved entry whose first {@link #appended} chunks are written, or 0. */
    private long appendingTo;
    private int appended;
    /** Schema 0.0: the chunks appended for {@link #appendingTo}, until its row is added. */
    private ChunkList.Builder appendedColumn = new ChunkList.Builder();
    private boolean finished;

    private GenerationWriter(Path file, SchemaVersion version, Connection db) throws SQLException {
        this.file = file;
        this.version = version;
        this.db = db;
        this.insertFile = db.prepareStatement("INSERT INTO files (fileno, " + Schema.FILE_COLUMNS
                + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
        this.insertChunk = version.equals(SchemaVersion.V1)
                ? db.prepareStatement("INSERT INTO file_chunks VALUES (?,?,?,?,?,?,?)")
                : null;
    }

    /** Creates {@code file} (which must not exist) as an empty generation of {@code version}. */
    public static GenerationWriter create(Path file, SchemaVersion version) throws GenerationException {
        return create(file, version, null);
    }

    /**
     * Creates {@code file} as an empty generation of {@code version} whose unchanged entries may be
     * taken from the generation database {@code previousDb} ({@link #copyUnchanged},
     * {@link #addUnchanged}); null for none.
     */
    public static GenerationWriter create(Path file, SchemaVersion version, Path previousDb) throws GenerationException {
        if (!SchemaVersion.SUPPORTED.contains(version)) {
            throw new GenerationException("schema version " + version + " is not supported");
        }
        if (Files.exists(file)) {
            throw new GenerationException("generation database " + file + " already exists");
        }
        Connection db = null;
        Previous previous = null;
        try {
            db = Sqlite.openForWriting(file);
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA main.journal_mode = OFF");
                s.execute("PRAGMA main.synchronous = OFF");
                s.execute("PRAGMA main.locking_mode = EXCLUSIVE");
                // Memory stays flat however many files there are: a small page cache, and the sort
                // that builds the path index spills to a temporary file beside the database (in
                // the same owner-only directory), not to memory. The directory setting is
                // process-wide in SQLite; a process writes one generation at a time. Rows go in
                // in file number order, so the cache needs little more than the B-trees' right
                // edges: 1 MiB instead of 4 took 2 to 3 MiB off an unchanged 50,000-file backup,
                // and 200,000 files were backed up as fast.
                s.execute("PRAGMA temp_store = FILE");
                s.execute("PRAGMA temp_store_directory = '" + file.toAbsolutePath().getParent().toString().replace("'", "''") + "'");
                s.execute("PRAGMA main.cache_size = -1024");
            }
            previous = previousDb == null ? null : Previous.attach(db, previousDb, version);
            db.setAutoCommit(false);
            Schema.create(db, version);
            GenerationWriter w = new GenerationWriter(file, version, db);
            w.previous = previous;
            w.putMeta("schema_version", version.toString());
            w.putMeta("checksum_kind", "hmac-sha256");
            return w;
        } catch (SQLException e) {
            abandon(db, previous);
            throw new GenerationException("cannot create generation database " + file + ": " + e.getMessage(), e);
        } catch (GenerationException | RuntimeException e) {
            abandon(db, previous);
            throw e;
        }
    }

    private static void abandon(Connection db, Previous previous) {
        if (previous != null && previous.otherVersion() != null) {
            previous.otherVersion().close();
        }
        if (db != null) {
            try {
                db.close();
            } catch (SQLException e) {
                // already failing
            }
        }
    }

    /**
     * The previous generation, attached to this connection as {@code previous}. With the same
     * schema version its rows are copied by SQL ({@code otherVersion} is null); otherwise they are
     * read with their own reader and written in this version's layout.
     */
    private record Previous(GenerationReader otherVersion) {
        static Previous attach(Connection db, Path previousDb, SchemaVersion version) throws GenerationException {
            if (!Files.isRegularFile(previousDb)) { // ATTACH would create it
                throw new GenerationException("previous generation database " + previousDb + " does not exist");
            }
            String previousVersion;
            try (PreparedStatement attach = db.prepareStatement("ATTACH DATABASE ? AS previous")) {
                attach.setString(1, previousDb.toString());
                attach.execute();
                try (Statement s = db.createStatement()) {
                    s.execute("PRAGMA previous.cache_size = -" + GenerationReader.READ_CACHE_KIB);
                }
                try (Statement s = db.createStatement();
                        java.sql.ResultSet rs = s.executeQuery(
                                "SELECT value FROM previous.meta WHERE key = 'schema_version'")) {
                    previousVersion = rs.next() ? rs.getString(1) : null;
                }
            } catch (SQLException e) {
                throw new GenerationException("previous generation database " + previousDb + " cannot be read: "
                        + e.getMessage(), e);
            }
            return new Previous(version.toString().equals(previousVersion) ? null : GenerationReader.open(previousDb));
        }
    }

    public SchemaVersion version() {
        return version;
    }

    public void putMeta(String key, String value) throws GenerationException {
        try (PreparedStatement s = db.prepareStatement("INSERT OR REPLACE INTO meta VALUES (?, ?)")) {
            s.setString(1, key);
            s.setString(2, value);
            s.executeUpdate();
        } catch (SQLException e) {
            throw new GenerationException("cannot write generation metadata: " + e.getMessage(), e);
        }
    }

    public void putMeta(Map<String, String> meta) throws GenerationException {
        for (Map.Entry<String, String> e : meta.entrySet()) {
            putMeta(e.getKey(), e.getValue());
        }
    }

    /** Adds one entry with its chunk list. Returns its row number. */
    public long add(Entry e, List<ChunkRef> chunks) throws GenerationException {
        flushRun();
        long fileno = fileCount + 1;
        try {
            insert(e, chunks, fileno);
        } catch (SQLException ex) {
            throw new GenerationException("cannot add " + e.path() + " to the generation database: " + ex.getMessage(), ex);
        }
        fileCount = fileno;
        fileBytes += e.contentBytes();
        countPending(1);
        return fileno;
    }

    private void insert(Entry e, List<ChunkRef> chunks, long fileno) throws SQLException {
        PreparedStatement s = insertFile;
        s.setLong(1, fileno);
        s.setBytes(2, e.path().bytes());
        s.setString(3, e.type().name());
        s.setInt(4, e.permissions());
        s.setLong(5, e.uid());
        s.setLong(6, e.gid());
        s.setString(7, e.user());
        s.setString(8, e.group());
        s.setLong(9, e.size());
        s.setLong(10, e.mtime().seconds());
        s.setInt(11, e.mtime().nanos());
        s.setLong(12, e.ctime().seconds());
        s.setInt(13, e.ctime().nanos());
        s.setLong(14, e.inode());
        s.setLong(15, e.deviceMajor());
        s.setLong(16, e.deviceMinor());
        s.setLong(17, e.nlink());
        s.setLong(18, e.rdevMajor());
        s.setLong(19, e.rdevMinor());
        setBytes(s, 20, e.symlinkTarget());
        setBytes(s, 21, Columns.xattrs(e.xattrs()));
        setBytes(s, 22, Columns.extents(e.extents()));
        setBytes(s, 23, e.hardLinkTo() == null ? null : e.hardLinkTo().bytes());
        s.setString(24, e.reason().text());
        s.setInt(25, e.cachedirTag() ? 1 : 0);
        setBytes(s, 26, insertChunk != null ? null
                : fileno == appendingTo && !appendedColumn.isEmpty() ? appendedColumn.addAll(chunks).bytes()
                : Columns.chunks(chunks));
        s.executeUpdate();
        if (insertChunk != null) {
            insertChunkRows(fileno, chunks);
        }
    }

    /** Commits every 50,000 rows, so that SQLite's memory for the open transaction stays bounded. */
    private void countPending(long rows) throws GenerationException {
        pending += rows;
        if (pending >= 50_000) {
            try {
                db.commit();
            } catch (SQLException ex) {
                throw new GenerationException("cannot write generation database " + file + ": " + ex.getMessage(), ex);
            }
            pending = 0;
        }
    }

    /**
     * Adds the previous generation's row {@code previousRow} again, as unchanged: same path,
     * metadata, extended attributes and chunk list. {@code e} is the entry the walk found, whose
     * row it must equal but for the reason. Consecutive rows are copied by one statement.
     * Returns the new row number.
     */
    public long copyUnchanged(Entry e, long previousRow) throws GenerationException {
        Previous p = requirePrevious();
        if (runLength > 0 && previousRow != runFirstPrevious + runLength) {
            flushRun();
        }
        if (runLength == 0) {
            runFirstRow = fileCount + 1;
            runFirstPrevious = previousRow;
        }
        runLength++;
        fileBytes += e.contentBytes();
        if (p.otherVersion() != null || runLength >= 4096) {
            flushRun();
        }
        return ++fileCount;
    }

    /**
     * Adds {@code e}, a file whose content has not changed since the previous generation's row
     * {@code previousRow} (same path, type, size, times, inode, mode and owner), with that row's
     * user and group names, extended attributes, extents and chunk list, and {@code e}'s device,
     * link count and cache-tag flag. Returns its row number.
     */
    public long addUnchanged(Entry e, long previousRow) throws GenerationException {
        Previous p = requirePrevious();
        flushRun();
        try {
            if (p.otherVersion() != null) {
                StoredEntry stored = previousEntry(p, previousRow);
                Entry b = stored.entry();
                return add(new Entry(b.path(), b.type(), b.permissions(), b.uid(), b.gid(), b.user(), b.group(),
                        b.size(), b.mtime(), b.ctime(), b.inode(), e.deviceMajor(), e.deviceMinor(), e.nlink(),
                        b.rdevMajor(), b.rdevMinor(), b.symlinkTarget(), b.xattrs(), b.extents(), b.hardLinkTo(),
                        Reason.UNCHANGED, e.cachedirTag()), stored.chunks());
            }
            if (addFromPrevious == null) {
                addFromPrevious = db.prepareStatement("INSERT INTO files (fileno, " + Schema.FILE_COLUMNS
                        + ") SELECT ?, path, kind, perm, uid, gid, user, grp, size, mtime_sec, mtime_nsec, ctime_sec, "
                        + "ctime_nsec, ino, ?, ?, ?, rdev_major, rdev_minor, target, xattrs, extents, hardlink, '"
                        + Reason.UNCHANGED.text() + "', ?, chunks FROM previous.files WHERE fileno = ?");
            }
            long fileno = fileCount + 1;
            addFromPrevious.setLong(1, fileno);
            addFromPrevious.setLong(2, e.deviceMajor());
            addFromPrevious.setLong(3, e.deviceMinor());
            addFromPrevious.setLong(4, e.nlink());
            addFromPrevious.setInt(5, e.cachedirTag() ? 1 : 0);
            addFromPrevious.setLong(6, previousRow);
            if (addFromPrevious.executeUpdate() != 1) {
                throw new GenerationException("the previous generation has no entry " + previousRow + " for " + e.path());
            }
            copyChunkRows(fileno, previousRow, 1);
            fileCount = fileno;
            fileBytes += e.contentBytes();
            countPending(1);
            return fileno;
        } catch (SQLException ex) {
            throw new GenerationException("cannot add " + e.path() + " to the generation database: " + ex.getMessage(), ex);
        }
    }

    private Previous requirePrevious() {
        if (previous == null) {
            throw new IllegalStateException("no previous generation to take entries from");
        }
        return previous;
    }

    private StoredEntry previousEntry(Previous p, long row) throws GenerationException {
        return p.otherVersion().entryAt(row).orElseThrow(() ->
                new GenerationException("the previous generation has no entry " + row));
    }

    /** Writes the run of rows to copy, if any. */
    private void flushRun() throws GenerationException {
        if (runLength == 0) {
            return;
        }
        long first = runFirstRow;
        long from = runFirstPrevious;
        long n = runLength;
        runLength = 0;
        try {
            if (previous.otherVersion() != null) {
                for (long i = 0; i < n; i++) {
                    StoredEntry b = previousEntry(previous, from + i);
                    insert(b.entry().withReason(Reason.UNCHANGED), b.chunks(), first + i);
                }
                countPending(n);
                return;
            }
            if (copyRows == null) {
                copyRows = db.prepareStatement("INSERT INTO files (fileno, " + Schema.FILE_COLUMNS
                        + ") SELECT fileno + ?, path, kind, perm, uid, gid, user, grp, size, mtime_sec, mtime_nsec, "
                        + "ctime_sec, ctime_nsec, ino, dev_major, dev_minor, nlink, rdev_major, rdev_minor, target, "
                        + "xattrs, extents, hardlink, '" + Reason.UNCHANGED.text() + "', cachedir_tag, chunks "
                        + "FROM previous.files WHERE fileno BETWEEN ? AND ? ORDER BY fileno");
            }
            copyRows.setLong(1, first - from);
            copyRows.setLong(2, from);
            copyRows.setLong(3, from + n - 1);
            if (copyRows.executeUpdate() != n) {
                throw new GenerationException("the previous generation lacks some of its entries " + from + " to "
                        + (from + n - 1));
            }
            copyChunkRows(first, from, n);
            countPending(n);
        } catch (SQLException ex) {
            throw new GenerationException("cannot copy entries from the previous generation: " + ex.getMessage(), ex);
        }
    }

    private void copyChunkRows(long first, long from, long n) throws SQLException {
        if (insertChunk == null) {
            return;
        }
        if (copyChunks == null) {
            copyChunks = db.prepareStatement("INSERT INTO file_chunks SELECT fileno + ?, seq, label, object, offset, "
                    + "length, size FROM previous.file_chunks WHERE fileno BETWEEN ? AND ?");
        }
        copyChunks.setLong(1, first - from);
        copyChunks.setLong(2, from);
        copyChunks.setLong(3, from + n - 1);
        copyChunks.executeUpdate();
    }

    /**
     * Takes the next row number for {@code e}, whose content is still being stored; the row is
     * written by {@link #addReserved} once its chunk list is known. Lets a backup number entries in
     * walk order while their content is stored in whatever order: the rows, and so the
     * generation's content, are the same either way. One statement per entry, where adding it at
     * once and updating its chunk list later took two.
     */
    public long reserve(Entry e) throws GenerationException {
        flushRun();
        long fileno = ++fileCount;
        fileBytes += e.contentBytes();
        reserved.set(Math.toIntExact(fileno));
        return fileno;
    }

    /**
     * Writes the row reserved as {@code fileno} for {@code e}, with its chunk list: what follows
     * the chunks {@link #appendChunks appended} for it already.
     */
    public void addReserved(long fileno, Entry e, List<ChunkRef> chunks) throws GenerationException {
        checkReserved(fileno);
        reserved.clear((int) fileno);
        try {
            insert(e, chunks, fileno);
        } catch (SQLException ex) {
            throw new GenerationException("cannot add " + e.path() + " to the generation database: " + ex.getMessage(), ex);
        }
        if (fileno == appendingTo) {
            stopAppending(); // another entry's row leaves the chunks appended for this one alone
        }
        countPending(1);
    }

    /**
     * Takes the next chunks of the entry reserved as {@code fileno} ahead of its row, so that a
     * huge file's chunk list is never in memory whole as objects: with schema 1.0 they are written
     * as rows at once; with 0.0, whose chunk list is a column of the entry's row, they are kept in
     * its compact encoded form ({@link ChunkList}) until the row is added. One entry at a time: its
     * row must be added (or its chunks {@link #discardChunks discarded}) before another's are taken.
     */
    public void appendChunks(long fileno, List<ChunkRef> chunks) throws GenerationException {
        checkReserved(fileno);
        if (appendingTo != fileno && appendingTo != 0) {
            throw new IllegalStateException("chunks of entry " + appendingTo + " were appended, and its row is not added");
        }
        appendingTo = fileno;
        if (insertChunk == null) {
            appendedColumn.addAll(chunks);
            appended += chunks.size();
            return;
        }
        try {
            insertChunkRows(fileno, chunks);
        } catch (SQLException ex) {
            throw new GenerationException("cannot write the generation database " + file + ": " + ex.getMessage(), ex);
        }
        appended += chunks.size();
        countPending(chunks.size());
    }

    /** Removes the chunks appended for a reserved entry: its content could not be read after all. */
    public void discardChunks(long fileno) throws GenerationException {
        checkReserved(fileno);
        if (appendingTo != fileno) {
            return;
        }
        if (insertChunk != null) {
            try (PreparedStatement s = db.prepareStatement("DELETE FROM file_chunks WHERE fileno = ?")) {
                s.setLong(1, fileno);
                s.executeUpdate();
            } catch (SQLException ex) {
                throw new GenerationException("cannot write the generation database " + file + ": " + ex.getMessage(), ex);
            }
        }
        stopAppending();
    }

    private void stopAppending() {
        appendingTo = 0;
        appended = 0;
        appendedColumn = new ChunkList.Builder();
    }

    private void checkReserved(long fileno) {
        if (finished || fileno < 1 || fileno > fileCount || !reserved.get((int) fileno)) {
            throw new IllegalArgumentException("no entry " + fileno + " reserved (" + fileCount + " added"
                    + (finished ? ", finished)" : ")"));
        }
    }

    private void insertChunkRows(long fileno, List<ChunkRef> chunks) throws SQLException {
        int seq = fileno == appendingTo ? appended : 0;
        for (ChunkRef c : chunks) {
            insertChunk.setLong(1, fileno);
            insertChunk.setInt(2, seq++);
            insertChunk.setBytes(3, c.label().bytes());
            insertChunk.setString(4, c.object().value());
            insertChunk.setLong(5, c.offset());
            insertChunk.setInt(6, c.length());
            insertChunk.setInt(7, c.size());
            insertChunk.addBatch();
        }
        insertChunk.executeBatch();
    }

    private static void setBytes(PreparedStatement s, int i, byte[] b) throws SQLException {
        if (b == null) {
            s.setNull(i, Types.BLOB);
        } else {
            s.setBytes(i, b);
        }
    }

    public long fileCount() {
        return fileCount;
    }

    public long fileBytes() {
        return fileBytes;
    }

    public Path file() {
        return file;
    }

    /** Builds the indexes, commits and closes; the file is then complete. */
    public void finish() throws GenerationException {
        if (finished) {
            return;
        }
        flushRun();
        if (!reserved.isEmpty()) {
            throw new IllegalStateException(reserved.cardinality() + " reserved entries were never added, among them "
                    + reserved.nextSetBit(0));
        }
        try {
            putMeta("file_count", Long.toString(fileCount));
            putMeta("file_bytes", Long.toString(fileBytes));
            Schema.finish(db);
            db.commit();
            finished = true;
            closeStatements();
            db.close();
        } catch (SQLException e) {
            throw new GenerationException("cannot finish generation database " + file + ": " + e.getMessage(), e);
        }
    }

    private void closeStatements() throws SQLException {
        insertFile.close();
        for (PreparedStatement s : new PreparedStatement[] {insertChunk, copyRows,
                copyChunks, addFromPrevious}) {
            if (s != null) {
                s.close();
            }
        }
        if (previous != null && previous.otherVersion() != null) {
            previous.otherVersion().close();
        }
    }

    /** Abandons an unfinished database. */
    @Override
    public void close() {
        if (!finished) {
            try {
                closeStatements();
                db.close();
            } catch (SQLException e) {
                // abandoning a scratch file: nothing to save
            }
        }
    }
}
