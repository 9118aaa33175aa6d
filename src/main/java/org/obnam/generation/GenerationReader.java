package org.obnam.generation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.obnam.crypto.Label;
import org.obnam.fs.FileType;
import org.obnam.fs.RawPath;
import org.obnam.fs.Timespec;
import org.obnam.store.ObjectId;
import org.obnam.util.Sqlite;
import org.sqlite.SQLiteConfig;

/** Reads a generation database of any supported schema version. Not thread-safe. */
public final class GenerationReader implements AutoCloseable {
    private static final FileType[] FILE_TYPES = FileType.values();
    private static final Reason[] REASONS = Reason.values();
    private final Path file;
    private final Connection db;
    private final SchemaVersion version;
    private final boolean chunkTable; // schema 1 lists chunks in a table of their own
    private final Map<String, String> meta;
    private PreparedStatement byPath;
    private PreparedStatement byRow;
    private PreparedStatement chunksOf;

    private GenerationReader(Path file, Connection db) throws GenerationException, SQLException {
        this.file = file;
        this.db = db;
        this.meta = readMeta();
        String v = meta.get("schema_version");
        if (v == null) {
            throw new GenerationException("generation database " + file + " has no schema version: it is damaged");
        }
        String[] parts = v.split("\\.");
        SchemaVersion parsed;
        try {
            parsed = new SchemaVersion(Integer.parseInt(parts[0]), parts.length > 1 ? Integer.parseInt(parts[1]) : 0);
        } catch (NumberFormatException e) {
            throw new GenerationException("generation database " + file + " has a damaged schema version: " + v);
        }
        if (!SchemaVersion.SUPPORTED.contains(parsed)) {
            throw new GenerationException("the generation uses schema version " + parsed
                    + ", which this Obnam cannot read (it reads " + SchemaVersion.SUPPORTED + "): upgrade Obnam");
        }
        this.version = parsed;
        this.chunkTable = parsed.equals(SchemaVersion.V1);
    }

    /**
     * The page cache of a connection that reads a generation, in KiB. Readers go through the
     * database in order (a restore, the previous generation of a backup), so a page is seldom
     * wanted twice but for the B-trees' inner pages, and the kernel's page cache holds the file
     * anyway; SQLite's default of about 2 MB filled up with pages read once.
     */
    public static final int READ_CACHE_KIB = 512;

    public static GenerationReader open(Path file) throws GenerationException {
        if (!Files.isRegularFile(file)) {
            throw new GenerationException("generation database " + file + " does not exist");
        }
        Connection db = null;
        try {
            SQLiteConfig config = new SQLiteConfig();
            config.setReadOnly(true);
            config.setJournalMode(SQLiteConfig.JournalMode.OFF);
            config.setCacheSize(-READ_CACHE_KIB);
            db = Sqlite.connect(file, config.toProperties());
            return new GenerationReader(file, db);
        } catch (SQLException e) {
            closeQuietly(db);
            throw new GenerationException("cannot read generation database " + file + ": " + e.getMessage(), e);
        } catch (GenerationException e) {
            closeQuietly(db);
            throw e;
        }
    }

    private static void closeQuietly(Connection db) {
        if (db != null) {
            try {
                db.close();
            } catch (SQLException e) {
                // already failing
            }
        }
    }

    private Map<String, String> readMeta() throws SQLException {
        Map<String, String> m = new LinkedHashMap<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT key, value FROM meta")) {
            while (rs.next()) {
                m.put(rs.getString(1), rs.getString(2));
            }
        }
        return m;
    }

    public Path file() {
        return file;
    }

    public SchemaVersion schemaVersion() {
        return version;
    }

    public Map<String, String> meta() {
        return Map.copyOf(meta);
    }

    public long fileCount() throws GenerationException {
        return query("SELECT count(*) FROM files", rs -> rs.getLong(1));
    }

    /** Total bytes of regular files' content. */
    public long fileBytes() throws GenerationException {
        return query("SELECT coalesce(sum(size), 0) FROM files WHERE kind = 'REGULAR'", rs -> rs.getLong(1));
    }

    private interface RowFunction<T> {
        T apply(ResultSet rs) throws SQLException;
    }

    private <T> T query(String sql, RowFunction<T> f) throws GenerationException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return f.apply(rs);
        } catch (SQLException e) {
            throw damaged(e);
        }
    }

    private GenerationException damaged(SQLException e) {
        return new GenerationException("generation database " + file + " cannot be read: " + e.getMessage(), e);
    }

    /** The entry recorded for {@code path}, if any. */
    public Optional<StoredEntry> lookup(RawPath path) throws GenerationException {
        try {
            if (byPath == null) {
                byPath = db.prepareStatement("SELECT fileno, " + Schema.FILE_COLUMNS + " FROM files WHERE path = ? LIMIT 1");
            }
            byPath.setBytes(1, path.bytes());
            try (ResultSet rs = byPath.executeQuery()) {
                return rs.next() ? Optional.of(toStored(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw damaged(e);
        }
    }

    /** The entry in row {@code fileno}, if there is one. */
    public Optional<StoredEntry> entryAt(long fileno) throws GenerationException {
        try {
            if (byRow == null) {
                byRow = db.prepareStatement("SELECT fileno, " + Schema.FILE_COLUMNS + " FROM files WHERE fileno = ?");
            }
            byRow.setLong(1, fileno);
            try (ResultSet rs = byRow.executeQuery()) {
                return rs.next() ? Optional.of(toStored(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw damaged(e);
        }
    }

    /**
     * The stamps of the entries in backup order, from {@code path}'s row (or from the start when
     * {@code path} is null). Close it when done.
     */
    public StampCursor stampsFrom(RawPath path) throws GenerationException {
        try {
            long start = 0;
            if (path != null) {
                Optional<StoredEntry> e = lookup(path);
                if (e.isEmpty()) {
                    return new StampCursor(null);
                }
                start = e.get().fileno();
            }
            PreparedStatement q = db.prepareStatement("SELECT " + EntryStamp.COLUMNS
                    + " FROM files WHERE fileno >= ? ORDER BY fileno");
            q.setLong(1, start);
            return new StampCursor(q);
        } catch (SQLException e) {
            throw damaged(e);
        }
    }

    /** A forward-only walk over entry stamps in backup order. */
    public final class StampCursor implements AutoCloseable {
        private final PreparedStatement query;
        private ResultSet rows;

        private StampCursor(PreparedStatement query) throws SQLException {
            this.query = query;
            this.rows = query == null ? null : query.executeQuery();
        }

        /** The next stamp, or null at the end. */
        public EntryStamp next() throws GenerationException {
            try {
                if (rows == null || !rows.next()) {
                    close();
                    return null;
                }
                return stamp(rows);
            } catch (SQLException e) {
                throw damaged(e);
            } catch (IllegalArgumentException | NullPointerException | ArithmeticException e) {
                throw new GenerationException("generation database " + file + " has a damaged entry: " + e.getMessage());
            }
        }

        private EntryStamp stamp(ResultSet rs) throws SQLException, GenerationException {
            int kind = rs.getInt(3);
            int reason = rs.getInt(16);
            if (kind < 0 || reason < 0) {
                throw new GenerationException("generation database " + file + " has an unknown file kind or reason in "
                        + "entry " + rs.getLong(1));
            }
            return new EntryStamp(rs.getLong(1), RawPath.of(rs.getBytes(2)), FILE_TYPES[kind], rs.getInt(4),
                    rs.getLong(5), rs.getLong(6), rs.getLong(7), new Timespec(rs.getLong(8), rs.getInt(9)),
                    new Timespec(rs.getLong(10), rs.getInt(11)), rs.getLong(12), rs.getLong(13), rs.getLong(14),
                    rs.getLong(15), REASONS[reason], rs.getInt(17) != 0, rs.getInt(18) != 0);
        }

        @Override
        public void close() {
            try {
                if (rows != null) {
                    rows.close();
                    rows = null;
                }
                if (query != null) {
                    query.close();
                }
            } catch (SQLException e) {
                // read-only
            }
        }
    }

    /** Receives entries in the order they were backed up. */
    public interface Visitor {
        void visit(StoredEntry entry) throws Exception;
    }

    public void forEach(Visitor visitor) throws Exception {
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT fileno, " + Schema.FILE_COLUMNS + " FROM files ORDER BY fileno")) {
            while (rs.next()) {
                visitor.visit(toStored(rs));
            }
        } catch (SQLException e) {
            throw damaged(e);
        }
    }

    /** One row as an entry. */
    private StoredEntry toStored(ResultSet rs) throws SQLException, GenerationException {
        try {
            return decodeRow(rs);
        } catch (IllegalArgumentException | NullPointerException | ArithmeticException e) {
            throw new GenerationException("generation database " + file + " has a damaged entry: " + e.getMessage());
        }
    }

    private FileType fileType(String kind) throws GenerationException {
        try {
            return FileType.valueOf(kind);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new GenerationException("generation database " + file + " has an unknown file kind " + kind);
        }
    }

    private StoredEntry decodeRow(ResultSet rs) throws SQLException, GenerationException {
        long fileno = rs.getLong(1);
        FileType type = fileType(rs.getString(3));
        byte[] hardlink = rs.getBytes(23);
        Entry entry = new Entry(RawPath.of(rs.getBytes(2)), type, rs.getInt(4), rs.getLong(5), rs.getLong(6),
                rs.getString(7), rs.getString(8), rs.getLong(9), new Timespec(rs.getLong(10), rs.getInt(11)),
                new Timespec(rs.getLong(12), rs.getInt(13)), rs.getLong(14), rs.getLong(15), rs.getLong(16),
                rs.getLong(17), rs.getLong(18), rs.getLong(19), rs.getBytes(20), Columns.xattrs(rs.getBytes(21)),
                Columns.extents(rs.getBytes(22)), hardlink == null ? null : RawPath.of(hardlink),
                Reason.fromText(rs.getString(24)), rs.getInt(25) != 0);
        List<ChunkRef> chunks = chunkTable ? rowChunks(fileno) : Columns.chunks(rs.getBytes(26));
        return new StoredEntry(fileno, entry, chunks);
    }

    private List<ChunkRef> rowChunks(long fileno) throws SQLException, GenerationException {
        if (chunksOf == null) {
            chunksOf = db.prepareStatement(
                    "SELECT label, object, offset, length, size FROM file_chunks WHERE fileno = ? ORDER BY seq");
        }
        chunksOf.setLong(1, fileno);
        ChunkList.Builder result = new ChunkList.Builder();
        ObjectId last = null;
        try (ResultSet rs = chunksOf.executeQuery()) {
            while (rs.next()) {
                String object = rs.getString(2);
                if (last == null || !last.value().equals(object)) {
                    last = new ObjectId(object);
                }
                result.add(new ChunkRef(Label.of(rs.getBytes(1)), last, rs.getLong(3), rs.getInt(4), rs.getInt(5)));
            }
        }
        return result.isEmpty() ? List.of() : result.build();
    }

    @Override
    public void close() {
        try {
            if (byPath != null) {
                byPath.close();
            }
            for (PreparedStatement s : new PreparedStatement[] {byRow, chunksOf}) {
                if (s != null) {
                    s.close();
                }
            }
            db.close();
        } catch (SQLException e) {
            // read-only: nothing to lose
        }
    }
}
