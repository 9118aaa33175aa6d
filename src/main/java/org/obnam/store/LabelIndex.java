package org.obnam.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.obnam.util.Sqlite;

/**
 * The on-disk index of a directory store: which object holds which label, and which objects were
 * written but not yet made durable. It can always be rebuilt from the objects themselves.
 *
 * <p>New rows are kept in memory and written in one transaction once 50 ms have passed since the
 * last write, not one transaction per object: each commit writes every index page its rows
 * touched to the write-ahead log, and with random labels a pack's 512 rows touch nearly every
 * leaf page, so committing per pack wrote the whole index again for each pack of small files (a
 * 50,000-file backup: 4.6 s, now 4.1 s). Keeping them in memory rather than in an open transaction
 * holds SQLite's write lock only while they are written, so another process using the same
 * repository still gets its turn. Look-ups see the rows in memory; {@link #markDurable} (the
 * store's flush) and {@link #close} write them. A process killed in between loses the index rows
 * of the objects it stored in its last moments: those objects stay, unreferenced, and their chunks
 * are stored again when next needed; everything stored before is reused.
 *
 * <p>Nobody waits for those writes. A thread of the index makes them, and holds only the writing
 * connection meanwhile: objects go on adding their rows to memory, and look-ups go through a
 * connection of their own (SQLite's write-ahead log lets one connection read while another
 * writes). A backup of 50,000 small files wrote some 4,000 rows every 100 ms, which took 20 to
 * 30 ms; when the object whose put came due made that write, under one lock with every other put
 * and look-up, the chunks of that object's pack completed only after it, the other pack being
 * stored waited for the lock, the look-ups too, and with them the whole backup, a third of its
 * time. Rows leave memory only after their commit, so a look-up that misses them there finds them
 * in the database: none is missed on its way.
 */
final class LabelIndex implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LabelIndex.class.getName());
    private static final int BATCH = 400;
    static final long WRITE_INTERVAL_NANOS = 50_000_000L;
    private final Path file;
    /** Writes, and answers everything but look-ups; used only while holding it. */
    private final Connection db;
    /** Answers look-ups; opened on the first one, used only while holding {@link #readerLock}. */
    private Connection reader;
    private final Object readerLock = new Object();

    /** An object's rows waiting to be written. */
    private record Added(ObjectId id, List<LabelRange> ranges, String bootId) {}

    private final List<Added> waiting = new ArrayList<>(); // guarded by this
    /** Where each label waiting in memory is: changed under this object's lock, read by look-ups without it. */
    private final Map<String, ObjectLocation> waitingLabels = new ConcurrentHashMap<>();
    private long lastWrite = System.nanoTime(); // guarded by this
    private boolean writing; // guarded by this: the writer thread has a write to do
    private boolean closed; // guarded by this
    private ExecutorService writer; // guarded by this: made by the first add that has rows to write

    LabelIndex(Path file) throws SQLException {
        this(file, 0);
    }

    /** With {@code maxPages > 0}, the database refuses to grow beyond that many pages, as on a full disk (for tests). */
    LabelIndex(Path file, int maxPages) throws SQLException {
        this.file = file;
        db = Sqlite.openForWriting(file);
        try (Statement s = db.createStatement()) {
            if (maxPages > 0) {
                s.execute("PRAGMA max_page_count = " + maxPages);
            }
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

    /**
     * Adds an object's labels (and, with a boot ID, marks it pending until {@link #markDurable}):
     * look-ups find them at once. They are written to the database by a thread of this index once
     * 50 ms have passed since the last write, so that no caller waits for that.
     */
    void add(ObjectId id, List<LabelRange> ranges, String bootId) {
        Added added = new Added(id, List.copyOf(ranges), bootId);
        synchronized (this) {
            waiting.add(added);
            indexWaiting(added);
            if (writing || closed || System.nanoTime() - lastWrite < WRITE_INTERVAL_NANOS) {
                return;
            }
            writing = true;
            if (writer == null) {
                writer = Executors.newSingleThreadExecutor(
                        r -> Thread.ofPlatform().name("obnam-index").daemon().unstarted(r));
            }
            writer.execute(this::writeInBackground);
        }
    }

    /**
     * Writes what waits, on the writer thread. A failure leaves the rows waiting: the next write,
     * at the latest the store's flush ({@link #markDurable}), tries again and reports it.
     */
    private void writeInBackground() {
        try {
            synchronized (db) {
                writeWaiting();
            }
        } catch (SQLException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot write the label index " + file + " now: " + e.getMessage());
        } finally {
            synchronized (this) {
                writing = false;
            }
        }
    }

    /** Writes the rows waiting in memory now; if this throws, they wait again. */
    void write() throws SQLException {
        synchronized (db) {
            writeWaiting();
        }
    }

    /**
     * Writes the rows waiting in memory in one transaction; the caller holds {@link #db}. If this
     * throws, the rows wait again.
     */
    private void writeWaiting() throws SQLException {
        List<Added> batch;
        synchronized (this) {
            lastWrite = System.nanoTime();
            batch = new ArrayList<>(waiting);
            waiting.clear();
        }
        if (batch.isEmpty()) {
            return;
        }
        try (PreparedStatement ins = db.prepareStatement(
                        "INSERT INTO labels (label, object, offset, length) VALUES (?, ?, ?, ?)");
                PreparedStatement pend = db.prepareStatement("INSERT OR REPLACE INTO pending VALUES (?, ?)")) {
            for (Row row : sortedByLabel(batch)) {
                ins.setString(1, row.range().label());
                ins.setString(2, row.id().value());
                ins.setLong(3, row.range().offset());
                ins.setLong(4, row.range().length());
                ins.addBatch();
            }
            for (Added a : batch) {
                if (a.bootId() != null) {
                    pend.setString(1, a.id().value());
                    pend.setString(2, a.bootId());
                    pend.addBatch();
                }
            }
            ins.executeBatch();
            pend.executeBatch();
            commit();
        } catch (SQLException | RuntimeException e) {
            rollback();
            synchronized (this) {
                waiting.addAll(0, batch); // their labels never left waitingLabels
            }
            throw e;
        }
        // In the database now, where look-ups that miss them here find them. Not under this
        // object's lock, which puts wait for: each removal is atomic and takes only this row's own
        // entry, and what else changes the map wholesale (remove, clear) holds db, as this does.
        for (Added a : batch) {
            for (LabelRange r : a.ranges()) {
                waitingLabels.remove(r.label(), new ObjectLocation(a.id(), r.offset(), r.length()));
            }
        }
    }

    private record Row(ObjectId id, LabelRange range) {}

    /**
     * The waiting rows in label order (stable, so one label's rows keep their order). Labels are
     * random, so rows in arrival order land on random pages of the label index, each insert
     * reading its page again; in label order they walk the index once.
     */
    private static List<Row> sortedByLabel(List<Added> added) {
        List<Row> rows = new ArrayList<>();
        for (Added a : added) {
            for (LabelRange r : a.ranges()) {
                rows.add(new Row(a.id(), r));
            }
        }
        rows.sort(Comparator.comparing(row -> row.range().label()));
        return rows;
    }

    /** Makes the labels in memory those of the waiting rows again, after some were dropped; the caller holds this. */
    private void reindexWaiting() {
        Map<String, ObjectLocation> now = new HashMap<>();
        for (Added a : waiting) {
            for (LabelRange r : a.ranges()) {
                now.putIfAbsent(r.label(), new ObjectLocation(a.id(), r.offset(), r.length()));
            }
        }
        waitingLabels.keySet().retainAll(now.keySet());
        waitingLabels.putAll(now);
    }

    private void indexWaiting(Added a) {
        for (LabelRange r : a.ranges()) {
            waitingLabels.putIfAbsent(r.label(), new ObjectLocation(a.id(), r.offset(), r.length()));
        }
    }

    /** Clears the pending marks of durable objects; the commit is synced, so earlier index rows are too. */
    void markDurable(Collection<ObjectId> ids) throws SQLException {
        synchronized (db) {
            writeWaiting();
            setSynchronous("FULL");
            try {
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

    Map<String, String> pending() throws SQLException {
        synchronized (db) {
            writeWaiting();
            Map<String, String> result = new HashMap<>();
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT object, boot FROM pending")) {
                while (rs.next()) {
                    result.put(rs.getString(1), rs.getString(2));
                }
            }
            commit();
            return result;
        }
    }

    void remove(ObjectId id) throws SQLException {
        synchronized (db) {
            synchronized (this) {
                if (waiting.removeIf(a -> a.id().equals(id))) {
                    reindexWaiting();
                }
            }
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
    }

    /**
     * Where each of {@code labels} is, for those that are anywhere: in memory first, then in the
     * database, through the connection for look-ups, so that a batch being written does not hold
     * them up.
     */
    Map<String, ObjectLocation> find(Collection<String> labels) throws SQLException {
        Map<String, ObjectLocation> found = new HashMap<>();
        List<String> all = new ArrayList<>(labels.size());
        for (String label : labels) {
            ObjectLocation waitingAt = waitingLabels.get(label);
            if (waitingAt != null) {
                found.put(label, waitingAt);
            } else {
                all.add(label);
            }
        }
        if (all.isEmpty()) {
            return found;
        }
        synchronized (readerLock) {
            Connection r = reader();
            for (int start = 0; start < all.size(); start += BATCH) {
                List<String> part = all.subList(start, Math.min(all.size(), start + BATCH));
                String sql = "SELECT label, object, offset, length FROM labels WHERE label IN ("
                        + "?,".repeat(part.size() - 1) + "?)";
                try (PreparedStatement q = r.prepareStatement(sql)) {
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
        }
        return found;
    }

    /**
     * The connection for look-ups; the caller holds {@link #readerLock}. Each query is a read
     * transaction of its own (autocommit), so it sees every batch committed before it began.
     */
    private Connection reader() throws SQLException {
        if (reader == null) {
            Connection c = Sqlite.openForWriting(file);
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 30000");
                s.execute("PRAGMA query_only = true");
                // The pages it reads are in the operating system's cache anyway, and SQLite's own
                // default 2 MiB cache of them showed in a backup's peak memory.
                s.execute("PRAGMA cache_size = -256");
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            reader = c;
        }
        return reader;
    }

    List<ObjectId> objectsWith(String label) throws SQLException {
        synchronized (db) {
            Map<String, ObjectId> ids = new LinkedHashMap<>();
            try (PreparedStatement q = db.prepareStatement("SELECT object FROM labels WHERE label = ?")) {
                q.setString(1, label);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        ids.putIfAbsent(rs.getString(1), new ObjectId(rs.getString(1)));
                    }
                }
                commit();
            } catch (SQLException e) {
                rollback();
                throw e;
            }
            synchronized (this) { // a batch being written is not here; it holds db until it is in the database
                for (Added a : waiting) {
                    for (LabelRange r : a.ranges()) {
                        if (r.label().equals(label)) {
                            ids.putIfAbsent(a.id().value(), a.id());
                        }
                    }
                }
            }
            return new ArrayList<>(ids.values());
        }
    }

    boolean isEmpty() throws SQLException {
        synchronized (db) {
            synchronized (this) {
                if (!waiting.isEmpty()) {
                    return false;
                }
            }
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT 1 FROM labels LIMIT 1")) {
                boolean empty = !rs.next();
                commit();
                return empty;
            }
        }
    }

    void clear() throws SQLException {
        synchronized (db) {
            synchronized (this) {
                waiting.clear();
                waitingLabels.clear();
            }
            try (Statement s = db.createStatement()) {
                s.execute("DELETE FROM labels");
                s.execute("DELETE FROM pending");
                commit();
            } catch (SQLException e) {
                rollback();
                throw e;
            }
        }
    }

    /** Commits; if that fails, the transaction is rolled back and the connection stays usable. */
    private void commit() throws SQLException {
        try {
            db.commit();
        } catch (SQLException e) {
            rollback();
            throw e;
        }
    }

    /** Rolls back the open transaction, leaving the connection usable whatever state SQLite left it in. */
    private void rollback() {
        try {
            db.rollback();
        } catch (SQLException e) {
            restartTransaction();
        }
    }

    /**
     * On a full disk or an I/O error SQLite may roll a transaction back on its own. sqlite-jdbc
     * starts its next transaction only after a commit or rollback that succeeds, so its rollback
     * then failed ("no transaction is active"), and so did every commit after it until the process
     * restarted: a server whose disk had filled kept refusing label look-ups after space was freed.
     * This ends whatever transaction SQLite still has, without committing it, and starts the one
     * sqlite-jdbc expects.
     */
    private void restartTransaction() {
        try (Statement s = db.createStatement()) {
            try {
                s.execute("ROLLBACK");
            } catch (SQLException alreadyRolledBack) {
                // what SQLite did on its own
            }
            s.execute("BEGIN");
        } catch (SQLException e) {
            // the next operation reports the problem and tries again
        }
    }

    @Override
    public void close() throws SQLException {
        ExecutorService w;
        synchronized (this) {
            closed = true;
            w = writer;
        }
        if (w != null) {
            w.shutdown(); // a write under way finishes; the rest is written here
            try {
                w.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (db) {
            try {
                writeWaiting();
            } finally {
                try {
                    synchronized (readerLock) {
                        if (reader != null) {
                            reader.close();
                        }
                    }
                } finally {
                    db.close();
                }
            }
        }
    }
}
