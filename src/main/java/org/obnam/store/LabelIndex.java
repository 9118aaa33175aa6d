package org.obnam.store;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.obnam.util.Sqlite;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

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
 * <p>Puts do not wait for those writes (unless the writer falls far behind: {@link
 * #MAX_WAITING_ROWS}). A thread of the index makes them, and holds only the writing connection
 * meanwhile: objects go on adding their rows to memory, and look-ups go through a connection of
 * their own (SQLite's write-ahead log lets one connection read while another writes). A backup of
 * 50,000 small files wrote some 4,000 rows every 100 ms, which took 20 to 30 ms; when the object
 * whose put came due made that write, under one lock with every other put and look-up, the chunks
 * of that object's pack completed only after it, the other pack being stored waited for the lock,
 * the look-ups too, and with them the whole backup: both cores idled for 0.55 s of a 1.7 s run,
 * 0.3 s since. Rows leave memory only after their commit, so a look-up that misses them there
 * finds them in the database: none is missed on its way.
 */
final class LabelIndex implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LabelIndex.class.getName());
    private static final int BATCH = 400;
    static final long WRITE_INTERVAL_NANOS = 50_000_000L;
    /**
     * Rows waiting beyond which a put waits for the write under way: about 6 MB. A backup of
     * 200,000 small files on two cores had up to 15,000 waiting.
     */
    static final int MAX_WAITING_ROWS = 65_536;
    /** In {@code PRAGMA user_version}; see {@link #prepareSchema}. */
    static final int SCHEMA_VERSION = 2;
    private final Path file;
    /** Writes, and answers everything but look-ups; used only while holding it. */
    private final Connection db;
    /** Answers look-ups; opened on the first one, used only while holding {@link #readerLock}. */
    private Connection reader;
    private final Object readerLock = new Object();

    /**
     * An object's rows waiting to be written, kept compact: a backup of small files holds some
     * 10,000 of them at a time while a batch is written, and as objects of their own (a string, a
     * range, a map entry and a location per row) they outlived young collections and filled the
     * old generation, 30 MiB more for 200,000 files. Labels are found by a small hash table.
     */
    private static final class Added {
        final ObjectId id;
        final String bootId;
        private final byte[] labels; // every row's label, UTF-8, one after another
        private final int[] starts; // where row i's label begins in labels; one more at the end
        private final int[] hashes; // String.hashCode of each row's label
        private final long[] offsets;
        private final long[] lengths;
        private final int[] slots; // open addressing by hash: row index + 1, 0 for empty

        Added(ObjectId id, List<LabelRange> ranges, String bootId) {
            this.id = id;
            this.bootId = bootId;
            int n = ranges.size();
            starts = new int[n + 1];
            hashes = new int[n];
            offsets = new long[n];
            lengths = new long[n];
            byte[][] encoded = new byte[n][];
            int total = 0;
            for (int i = 0; i < n; i++) {
                LabelRange r = ranges.get(i);
                encoded[i] = r.label().getBytes(StandardCharsets.UTF_8);
                hashes[i] = r.label().hashCode();
                offsets[i] = r.offset();
                lengths[i] = r.length();
                starts[i] = total;
                total += encoded[i].length;
            }
            starts[n] = total;
            labels = new byte[total];
            for (int i = 0; i < n; i++) {
                System.arraycopy(encoded[i], 0, labels, starts[i], encoded[i].length);
            }
            slots = new int[Integer.highestOneBit(Math.max(1, n) * 2) * 2];
            for (int i = 0; i < n; i++) {
                int j = slot(hashes[i]);
                while (slots[j] != 0) {
                    j = (j + 1) & (slots.length - 1);
                }
                slots[j] = i + 1;
            }
        }

        private int slot(int hash) {
            return (hash ^ (hash >>> 16)) & (slots.length - 1);
        }

        int size() {
            return hashes.length;
        }

        String label(int i) {
            return new String(labels, starts[i], starts[i + 1] - starts[i], StandardCharsets.UTF_8);
        }

        /** Row i's label as the index keeps it ({@link LabelIndex#key}), straight from its bytes. */
        Object key(int i) {
            byte[] bytes = hexBytes(labels, starts[i], starts[i + 1]);
            return bytes != null ? bytes : label(i);
        }

        /** The first row with {@code label}, or -1. */
        int indexOf(String label) {
            int hash = label.hashCode();
            for (int j = slot(hash); slots[j] != 0; j = (j + 1) & (slots.length - 1)) {
                int i = slots[j] - 1;
                if (hashes[i] == hash && label(i).equals(label)) {
                    return i; // probing meets rows in the order they were put in: the first of equal labels
                }
            }
            return -1;
        }

        ObjectLocation location(int i) {
            return new ObjectLocation(id, offsets[i], lengths[i]);
        }

        /** Orders rows by label, as bytes: the order of the label index, which inserts then walk once. */
        int compareLabels(int i, Added other, int k) {
            return Arrays.compareUnsigned(labels, starts[i], starts[i + 1], other.labels, other.starts[k], other.starts[k + 1]);
        }
    }

    private final List<Added> waiting = new ArrayList<>(); // guarded by this
    /**
     * The objects whose rows are not in the database yet: those waiting and those of a batch being
     * written. Replaced, never changed, under this object's lock; look-ups read it without.
     */
    private volatile Added[] unwritten = new Added[0];
    private long lastWrite = System.nanoTime(); // guarded by this
    private int waitingRows; // guarded by this: the rows of the objects in waiting
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
        try {
            try (Statement s = db.createStatement()) {
                if (maxPages > 0) {
                    s.execute("PRAGMA max_page_count = " + maxPages);
                }
                s.execute("PRAGMA busy_timeout = " + BUSY_TIMEOUT_MILLIS);
                enableWal(s);
                s.execute("PRAGMA synchronous = NORMAL");
            }
            prepareSchema(db, file);
            db.setAutoCommit(false);
        } catch (SQLException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    private static final int BUSY_TIMEOUT_MILLIS = 30_000;

    /**
     * Switches the database to write-ahead logging. When other connections open the same index
     * at the same moment (processes backing up to one repository, or obnam-server's clients),
     * SQLite may answer SQLITE_BUSY at once instead of waiting out the busy timeout: each
     * connection holds the shared lock that the others must see released, and SQLite refuses
     * rather than deadlock. Four connections opening an index at once failed so in about one
     * try in ten. So this tries again, for as long as the busy timeout would have waited.
     */
    private static void enableWal(Statement s) throws SQLException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BUSY_TIMEOUT_MILLIS);
        for (int attempt = 0; ; attempt++) {
            try {
                s.execute("PRAGMA journal_mode = WAL");
                return;
            } catch (SQLiteException e) {
                if (e.getResultCode() != SQLiteErrorCode.SQLITE_BUSY || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(Math.min(100, 1L << Math.min(attempt, 7)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting for the label index to be free", e);
            }
        }
    }

    /**
     * Creates the tables, or converts those of schema 0 (labels as text, in a table with an index
     * by label and one by object: 245 bytes a row). Inside a write transaction, since another
     * process may be opening the same index; the caller's connection is in autocommit mode.
     */
    private static void prepareSchema(Connection db, Path file) throws SQLException {
        try (Statement s = db.createStatement()) {
            if (userVersion(s) == SCHEMA_VERSION) {
                return;
            }
            boolean converted = false;
            s.execute("BEGIN IMMEDIATE");
            try {
                int version = userVersion(s);
                if (version == 0) {
                    s.execute("CREATE TABLE IF NOT EXISTS objects (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE)");
                    s.execute("CREATE TABLE IF NOT EXISTS chunks (label NOT NULL, object INTEGER NOT NULL, "
                            + "offset INTEGER NOT NULL, length INTEGER NOT NULL, PRIMARY KEY (label, object, offset)) WITHOUT ROWID");
                    s.execute("CREATE INDEX IF NOT EXISTS chunks_by_object ON chunks (object)");
                    s.execute("CREATE TABLE IF NOT EXISTS pending (object TEXT PRIMARY KEY, boot TEXT NOT NULL)");
                    boolean old;
                    try (ResultSet rs = s.executeQuery("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'labels'")) {
                        old = rs.next();
                    }
                    if (old) {
                        // Objects are numbered in the order their first row was indexed: look-ups
                        // prefer the lowest number, the object indexed first, as before.
                        s.execute("INSERT OR IGNORE INTO objects (name) SELECT object FROM labels GROUP BY object ORDER BY MIN(rowid)");
                        s.execute("INSERT OR IGNORE INTO chunks (label, object, offset, length) SELECT CASE "
                                + "WHEN length(l.label) > 0 AND length(l.label) % 2 = 0 AND l.label NOT GLOB '*[^0-9a-f]*' "
                                + "THEN unhex(l.label) ELSE l.label END, o.id, l.offset, l.length "
                                + "FROM labels l JOIN objects o ON o.name = l.object");
                        s.execute("DROP TABLE labels");
                        converted = true;
                    }
                    s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
                } else if (version != SCHEMA_VERSION) {
                    throw new SQLException("the label index " + file + " has schema " + version + ", which this version of Obnam "
                            + "does not know: delete it, and it is rebuilt from the objects");
                }
                s.execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                try {
                    s.execute("ROLLBACK");
                } catch (SQLException alreadyRolledBack) {
                    e.addSuppressed(alreadyRolledBack);
                }
                throw e;
            }
            if (converted) {
                try {
                    s.execute("VACUUM"); // gives back the old table's pages, more than half the file
                } catch (SQLException e) { // a full disk, for one: the index works as it is
                    LOG.log(System.Logger.Level.DEBUG, "cannot compact the label index " + file + ": " + e.getMessage());
                }
            }
        }
    }

    private static int userVersion(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    /**
     * A label as the index keeps it: lowercase hexadecimal of even length, as every label Obnam
     * makes is, as the bytes it spells (half the size, and the index's rows with it); any other as
     * text. Both sort the same way, so rows written in label order still walk the index once.
     */
    static Object key(String label) {
        // Labels are ASCII; a character beyond Latin-1 becomes '?', which is not hexadecimal either.
        byte[] bytes = hexBytes(label.getBytes(StandardCharsets.ISO_8859_1), 0, label.length());
        return bytes != null ? bytes : label;
    }

    /** The bytes that {@code text[from, to)} spells as lowercase hexadecimal of even length, or null. */
    private static byte[] hexBytes(byte[] text, int from, int to) {
        int n = to - from;
        if (n == 0 || n % 2 != 0) {
            return null;
        }
        byte[] bytes = new byte[n / 2];
        for (int i = 0; i < n; i += 2) {
            int hi = hexDigit(text[from + i]);
            int lo = hexDigit(text[from + i + 1]);
            if (hi < 0 || lo < 0) {
                return null;
            }
            bytes[i / 2] = (byte) (hi << 4 | lo);
        }
        return bytes;
    }

    private static int hexDigit(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    }

    private static void bindKey(PreparedStatement ps, int parameter, String label) throws SQLException {
        bind(ps, parameter, key(label));
    }

    private static void bind(PreparedStatement ps, int parameter, Object key) throws SQLException {
        if (key instanceof byte[] bytes) {
            ps.setBytes(parameter, bytes);
        } else {
            ps.setString(parameter, (String) key);
        }
    }

    /** The label a row's key column holds (see {@link #key}). */
    private static String labelOf(Object key) {
        return key instanceof byte[] bytes ? HexFormat.of().formatHex(bytes) : (String) key;
    }

    /**
     * Adds an object's labels (and, with a boot ID, marks it pending until {@link #markDurable}):
     * look-ups find them at once. They are written to the database by a thread of this index once
     * 50 ms have passed since the last write, so that no caller waits for that.
     */
    void add(ObjectId id, List<LabelRange> ranges, String bootId) {
        Added added = new Added(id, ranges, bootId);
        synchronized (this) {
            waiting.add(added);
            waitingRows += added.size();
            Added[] now = Arrays.copyOf(unwritten, unwritten.length + 1);
            now[now.length - 1] = added;
            unwritten = now;
            boolean due = waitingRows > MAX_WAITING_ROWS || System.nanoTime() - lastWrite >= WRITE_INTERVAL_NANOS;
            if (due && !writing && !closed) {
                writing = true;
                if (writer == null) {
                    // Its thread ends after a second without writes: obnam-server keeps an index
                    // open per client, most of them idle.
                    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                            r -> Thread.ofPlatform().name("obnam-index").daemon().unstarted(r));
                    pool.allowCoreThreadTimeOut(true);
                    writer = pool;
                }
                writer.execute(this::writeInBackground);
            }
            // Memory stays bounded when the writer falls behind for good (a big enough backup):
            // then puts wait for it, as they all did before it had a thread of its own.
            while (writing && waitingRows > MAX_WAITING_ROWS && !closed) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
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
                notifyAll();
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
            waitingRows = 0;
            notifyAll();
        }
        if (batch.isEmpty()) {
            return;
        }
        try (PreparedStatement ins = db.prepareStatement(
                        "INSERT OR IGNORE INTO chunks (label, object, offset, length) VALUES (?, ?, ?, ?)");
                PreparedStatement pend = db.prepareStatement("INSERT OR REPLACE INTO pending VALUES (?, ?)")) {
            long[] numbers = objectNumbers(batch);
            int[][] rows = inLabelOrder(batch);
            for (int g = 0; g < rows.length; g++) {
                Added a = batch.get(rows[g][0]);
                int i = rows[g][1];
                bind(ins, 1, a.key(i));
                ins.setLong(2, numbers[rows[g][0]]);
                ins.setLong(3, a.offsets[i]);
                ins.setLong(4, a.lengths[i]);
                ins.addBatch();
                if ((g + 1) % BATCH == 0) {
                    ins.executeBatch(); // the bound values of a few hundred rows at a time, not of all
                }
            }
            for (Added a : batch) {
                if (a.bootId != null) {
                    pend.setString(1, a.id.value());
                    pend.setString(2, a.bootId);
                    pend.addBatch();
                }
            }
            ins.executeBatch();
            pend.executeBatch();
            commit();
        } catch (SQLException | RuntimeException e) {
            rollback();
            synchronized (this) {
                waiting.addAll(0, batch); // still in unwritten
                batch.forEach(a -> waitingRows += a.size());
            }
            throw e;
        }
        synchronized (this) { // in the database now, where look-ups that miss them here find them
            unwritten = waiting.toArray(new Added[0]);
        }
    }

    /** The number of each object of {@code batch} in the objects table, which this adds it to if need be. */
    private long[] objectNumbers(List<Added> batch) throws SQLException {
        long[] numbers = new long[batch.size()];
        try (PreparedStatement add = db.prepareStatement("INSERT OR IGNORE INTO objects (name) VALUES (?)");
                PreparedStatement number = db.prepareStatement("SELECT id FROM objects WHERE name = ?")) {
            for (int k = 0; k < numbers.length; k++) {
                String name = batch.get(k).id.value();
                add.setString(1, name);
                add.executeUpdate();
                number.setString(1, name);
                try (ResultSet rs = number.executeQuery()) {
                    rs.next();
                    numbers[k] = rs.getLong(1);
                }
            }
        }
        return numbers;
    }

    /**
     * The rows of {@code batch} (object index, row index) in label order (stable, so one label's
     * rows keep their order). Labels are random, so rows in arrival order land on random pages of
     * the label index, each insert reading its page again; in label order they walk the index once.
     */
    private static int[][] inLabelOrder(List<Added> batch) {
        int n = 0;
        for (Added a : batch) {
            n += a.size();
        }
        int[][] rows = new int[n][];
        int g = 0;
        for (int k = 0; k < batch.size(); k++) {
            for (int i = 0; i < batch.get(k).size(); i++) {
                rows[g++] = new int[] {k, i};
            }
        }
        Arrays.sort(rows, (x, y) -> batch.get(x[0]).compareLabels(x[1], batch.get(y[0]), y[1]));
        return rows;
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
                if (waiting.removeIf(a -> a.id.equals(id))) {
                    waitingRows = waiting.stream().mapToInt(Added::size).sum();
                    unwritten = waiting.toArray(new Added[0]); // no batch is being written: this holds db
                }
            }
            try (PreparedStatement a = db.prepareStatement("DELETE FROM chunks WHERE object = (SELECT id FROM objects WHERE name = ?)");
                    PreparedStatement b = db.prepareStatement("DELETE FROM objects WHERE name = ?");
                    PreparedStatement c = db.prepareStatement("DELETE FROM pending WHERE object = ?")) {
                for (PreparedStatement p : List.of(a, b, c)) {
                    p.setString(1, id.value());
                    p.executeUpdate();
                }
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
        Added[] inMemory = unwritten;
        for (String label : labels) {
            ObjectLocation waitingAt = null;
            for (int k = 0; k < inMemory.length && waitingAt == null; k++) {
                int i = inMemory[k].indexOf(label);
                if (i >= 0) {
                    waitingAt = inMemory[k].location(i);
                }
            }
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
                // In key order: for each label, the object indexed first before any other.
                String sql = "SELECT c.label, o.name, c.offset, c.length FROM chunks c JOIN objects o ON o.id = c.object "
                        + "WHERE c.label IN (" + "?,".repeat(part.size() - 1) + "?) ORDER BY c.label, c.object, c.offset";
                try (PreparedStatement q = r.prepareStatement(sql)) {
                    for (int i = 0; i < part.size(); i++) {
                        bindKey(q, i + 1, part.get(i));
                    }
                    try (ResultSet rs = q.executeQuery()) {
                        while (rs.next()) {
                            found.putIfAbsent(labelOf(rs.getObject(1)),
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
            try (PreparedStatement q = db.prepareStatement(
                    "SELECT o.name FROM chunks c JOIN objects o ON o.id = c.object WHERE c.label = ? ORDER BY c.object, c.offset")) {
                bindKey(q, 1, label);
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
                    if (a.indexOf(label) >= 0) {
                        ids.putIfAbsent(a.id.value(), a.id);
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
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT 1 FROM chunks LIMIT 1")) {
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
                waitingRows = 0;
                unwritten = new Added[0];
            }
            try (Statement s = db.createStatement()) {
                s.execute("DELETE FROM chunks");
                s.execute("DELETE FROM objects");
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
            notifyAll(); // puts waiting for room wait no more
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
