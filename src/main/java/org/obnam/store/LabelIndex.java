package org.obnam.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The on-disk index of a directory store: which object holds which label, and which objects were
 * written but not yet made durable. It can always be rebuilt from the objects themselves.
 * One connection, used under this object's lock: SQLite serialises writers anyway.
 *
 * <p>New rows are committed when 100 ms have passed since the last commit, not per object: each
 * commit writes every index page its rows touched to the write-ahead log, and with random labels
 * a pack's 512 rows touch nearly every leaf page, so committing per pack wrote the whole index
 * again for each pack of small files (a 50,000-file backup: 4.6 s, now 4.1 s). Rows not yet
 * committed are seen by look-ups on this connection; {@link #markDurable} (the store's flush) and
 * {@link #close} commit them. A process killed in between loses the index rows of the objects it
 * stored in its last 100 ms: those objects stay, unreferenced, and their chunks are stored again
 * when next needed; everything stored before is reused.
 */
final class LabelIndex implements AutoCloseable {
    private static final int BATCH = 400;
    static final long COMMIT_INTERVAL_NANOS = 100_000_000L;
    private final Connection db;
    private boolean uncommitted;
    private long lastCommit = System.nanoTime();

    LabelIndex(Path file) throws SQLException {
        // Nothing here reads generated keys: without this sqlite-jdbc runs a second statement per INSERT.
        org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
        config.setGetGeneratedKeys(false);
        db = DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties());
        try (Statement s = db.createStatement()) {
            s.execute("PRAGMA busy_timeout = 30000");
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("PRAGMA synchronous = NORMAL");
            s.execute("CREATE TABLE IF NOT EXISTS labels (label TEXT NOT NULL, object TEXT NOT NULL, "
                    + "offset INTEGER NOT NULL, length INTEGER NOT NULL)");
            s.execute("CREATE INDEX IF NOT EXISTS labels_by_label ON labels (label)");
            s.execute("CREATE INDEX IF NOT EXISTS labels_by_object ON labels (object)");
            s.execute("CREATE TABLE IF NOT EXISTS pending (object TEXT PRIMARY KEY, boot TEXT NOT NULL)");
        }
        db.setAutoCommit(false);
    }

    synchronized void add(ObjectId id, List<LabelRange> ranges, String bootId) throws SQLException {
        try (PreparedStatement ins = db.prepareStatement(
                        "INSERT INTO labels (label, object, offset, length) VALUES (?, ?, ?, ?)");
                PreparedStatement pend = db.prepareStatement("INSERT OR REPLACE INTO pending VALUES (?, ?)")) {
            for (LabelRange r : ranges) {
                ins.setString(1, r.label());
                ins.setString(2, id.value());
                ins.setLong(3, r.offset());
                ins.setLong(4, r.length());
                ins.addBatch();
            }
            ins.executeBatch();
            if (bootId != null) {
                pend.setString(1, id.value());
                pend.setString(2, bootId);
                pend.executeUpdate();
            }
            uncommitted = true;
            if (System.nanoTime() - lastCommit >= COMMIT_INTERVAL_NANOS) {
                commit();
            }
        } catch (SQLException e) {
            rollback();
            throw e;
        }
    }

    private void commit() throws SQLException {
        db.commit();
        uncommitted = false;
        lastCommit = System.nanoTime();
    }

    private void rollback() throws SQLException {
        uncommitted = false;
        db.rollback();
    }

    /** Ends a read: commits only when no rows are waiting, so look-ups do not defeat the grouping. */
    private void endRead() throws SQLException {
        if (!uncommitted) {
            db.commit();
        }
    }

    /** Clears the pending marks of durable objects; the commit is synced, so earlier index rows are too. */
    synchronized void markDurable(Collection<ObjectId> ids) throws SQLException {
        setSynchronous("FULL");
        try (Statement s = db.createStatement()) {
            try (PreparedStatement del = db.prepareStatement("DELETE FROM pending WHERE object = ?")) {
                for (ObjectId id : ids) {
                    del.setString(1, id.value());
                    del.addBatch();
                }
                del.executeBatch();
            }
            commit();
        } catch (SQLException e) {
            rollback();
            throw e;
        } finally {
            setSynchronous("NORMAL");
        }
    }

    /** SQLite refuses to change the sync level inside a transaction, so step out of one briefly. */
    private void setSynchronous(String level) throws SQLException {
        commit();
        db.setAutoCommit(true);
        try (Statement s = db.createStatement()) {
            s.execute("PRAGMA synchronous = " + level);
        } finally {
            db.setAutoCommit(false);
        }
    }

    synchronized Map<String, String> pending() throws SQLException {
        Map<String, String> result = new HashMap<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT object, boot FROM pending")) {
            while (rs.next()) {
                result.put(rs.getString(1), rs.getString(2));
            }
        }
        commit();
        return result;
    }

    synchronized void remove(ObjectId id) throws SQLException {
        try (PreparedStatement a = db.prepareStatement("DELETE FROM labels WHERE object = ?");
                PreparedStatement b = db.prepareStatement("DELETE FROM pending WHERE object = ?")) {
            a.setString(1, id.value());
            a.executeUpdate();
            b.setString(1, id.value());
            b.executeUpdate();
            commit();
        } catch (SQLException e) {
            rollback();
            throw e;
        }
    }

    synchronized Map<String, ObjectLocation> find(Collection<String> labels) throws SQLException {
        Map<String, ObjectLocation> found = new HashMap<>();
        List<String> all = new ArrayList<>(labels);
        for (int start = 0; start < all.size(); start += BATCH) {
            List<String> part = all.subList(start, Math.min(all.size(), start + BATCH));
            String sql = "SELECT label, object, offset, length FROM labels WHERE label IN ("
                    + "?,".repeat(part.size() - 1) + "?)";
            try (PreparedStatement q = db.prepareStatement(sql)) {
                for (int i = 0; i < part.size(); i++) {
                    q.setString(i + 1, part.get(i));
                }
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        found.putIfAbsent(rs.getString(1),
                                new ObjectLocation(new ObjectId(rs.getString(2)), rs.getLong(3), rs.getLong(4)));
                    }
                }
            }
        }
        endRead();
        return found;
    }

    synchronized List<ObjectId> objectsWith(String label) throws SQLException {
        Map<String, ObjectId> ids = new LinkedHashMap<>();
        try (PreparedStatement q = db.prepareStatement("SELECT object FROM labels WHERE label = ?")) {
            q.setString(1, label);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    ids.putIfAbsent(rs.getString(1), new ObjectId(rs.getString(1)));
                }
            }
        }
        endRead();
        return new ArrayList<>(ids.values());
    }

    synchronized boolean isEmpty() throws SQLException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT 1 FROM labels LIMIT 1")) {
            boolean empty = !rs.next();
            endRead();
            return empty;
        }
    }

    synchronized void clear() throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("DELETE FROM labels");
            s.execute("DELETE FROM pending");
            commit();
        }
    }

    @Override
    public synchronized void close() throws SQLException {
        try {
            if (uncommitted) {
                commit();
            }
        } finally {
            db.close();
        }
    }
}
