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
    private PreparedStatement updateChunks; // made when first needed
    private PreparedStatement updateReason;
    private long fileCount;
    private long fileBytes;
    private long pending;
    private boolean finished;

    private GenerationWriter(Path file, SchemaVersion version, Connection db) throws SQLException {
        this.file = file;
        this.version = version;
        this.db = db;
        this.insertFile = db.prepareStatement("INSERT INTO files (" + Schema.FILE_COLUMNS
                + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
        this.insertChunk = version.equals(SchemaVersion.V1)
                ? db.prepareStatement("INSERT INTO file_chunks VALUES (?,?,?,?,?,?,?)")
                : null;
    }

    /** Creates {@code file} (which must not exist) as an empty generation of {@code version}. */
    public static GenerationWriter create(Path file, SchemaVersion version) throws GenerationException {
        if (!SchemaVersion.SUPPORTED.contains(version)) {
            throw new GenerationException("schema version " + version + " is not supported");
        }
        if (Files.exists(file)) {
            throw new GenerationException("generation database " + file + " already exists");
        }
        try {
            Connection db = Sqlite.openForWriting(file);
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode = OFF");
                s.execute("PRAGMA synchronous = OFF");
                s.execute("PRAGMA locking_mode = EXCLUSIVE");
                // Memory stays flat however many files there are: a small page cache, and the sort
                // that builds the path index spills to a temporary file beside the database (in
                // the same owner-only directory), not to memory. The directory setting is
                // process-wide in SQLite; a process writes one generation at a time.
                s.execute("PRAGMA temp_store = FILE");
                s.execute("PRAGMA temp_store_directory = '" + file.toAbsolutePath().getParent().toString().replace("'", "''") + "'");
                s.execute("PRAGMA cache_size = -4096");
            }
            db.setAutoCommit(false);
            Schema.create(db, version);
            GenerationWriter w = new GenerationWriter(file, version, db);
            w.putMeta("schema_version", version.toString());
            w.putMeta("checksum_kind", "hmac-sha256");
            return w;
        } catch (SQLException e) {
            throw new GenerationException("cannot create generation database " + file + ": " + e.getMessage(), e);
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
        try {
            PreparedStatement s = insertFile;
            s.setBytes(1, e.path().bytes());
            s.setString(2, e.type().name());
            s.setInt(3, e.permissions());
            s.setLong(4, e.uid());
            s.setLong(5, e.gid());
            s.setString(6, e.user());
            s.setString(7, e.group());
            s.setLong(8, e.size());
            s.setLong(9, e.mtime().seconds());
            s.setInt(10, e.mtime().nanos());
            s.setLong(11, e.ctime().seconds());
            s.setInt(12, e.ctime().nanos());
            s.setLong(13, e.inode());
            s.setLong(14, e.deviceMajor());
            s.setLong(15, e.deviceMinor());
            s.setLong(16, e.nlink());
            s.setLong(17, e.rdevMajor());
            s.setLong(18, e.rdevMinor());
            setBytes(s, 19, e.symlinkTarget());
            setBytes(s, 20, Columns.xattrs(e.xattrs()));
            setBytes(s, 21, Columns.extents(e.extents()));
            setBytes(s, 22, e.hardLinkTo() == null ? null : e.hardLinkTo().bytes());
            s.setString(23, e.reason().text());
            s.setInt(24, e.cachedirTag() ? 1 : 0);
            setBytes(s, 25, insertChunk == null ? Columns.chunks(chunks) : null);
            s.executeUpdate();
            long fileno = ++fileCount;
            if (insertChunk != null) {
                insertChunkRows(fileno, chunks);
            }
            fileBytes += e.contentBytes();
            if (++pending >= 50_000) {
                db.commit();
                pending = 0;
            }
            return fileno;
        } catch (SQLException ex) {
            throw new GenerationException("cannot add " + e.path() + " to the generation database: " + ex.getMessage(), ex);
        }
    }

    /**
     * Gives the entry added as {@code fileno} with an empty chunk list its chunks. Lets a backup
     * add entries in walk order while their content is still being stored: the rows, and so the
     * generation's content, are the same whatever order the chunk lists arrive in.
     */
    public void setChunks(long fileno, List<ChunkRef> chunks) throws GenerationException {
        checkAdded(fileno);
        if (chunks.isEmpty()) {
            return;
        }
        try {
            if (insertChunk != null) {
                insertChunkRows(fileno, chunks);
            } else {
                if (updateChunks == null) {
                    updateChunks = db.prepareStatement("UPDATE files SET chunks = ? WHERE fileno = ?");
                }
                updateChunks.setBytes(1, Columns.chunks(chunks));
                updateChunks.setLong(2, fileno);
                updateChunks.executeUpdate();
            }
        } catch (SQLException ex) {
            throw new GenerationException("cannot add the chunks of entry " + fileno + " to the generation database: "
                    + ex.getMessage(), ex);
        }
    }

    /** Changes the reason recorded for the entry added as {@code fileno} (a file that could not be read). */
    public void setReason(long fileno, Reason reason) throws GenerationException {
        checkAdded(fileno);
        try {
            if (updateReason == null) {
                updateReason = db.prepareStatement("UPDATE files SET reason = ? WHERE fileno = ?");
            }
            updateReason.setString(1, reason.text());
            updateReason.setLong(2, fileno);
            updateReason.executeUpdate();
        } catch (SQLException ex) {
            throw new GenerationException("cannot change entry " + fileno + " in the generation database: "
                    + ex.getMessage(), ex);
        }
    }

    private void checkAdded(long fileno) {
        if (fileno < 1 || fileno > fileCount || finished) {
            throw new IllegalArgumentException("no entry " + fileno + " to change (" + fileCount + " added"
                    + (finished ? ", finished)" : ")"));
        }
    }

    private void insertChunkRows(long fileno, List<ChunkRef> chunks) throws SQLException {
        int seq = 0;
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
        for (PreparedStatement s : new PreparedStatement[] {insertChunk, updateChunks, updateReason}) {
            if (s != null) {
                s.close();
            }
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
