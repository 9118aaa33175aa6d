package org.obnam.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The label index: it keeps working after its disk filled up, once there is room again; its
 * look-ups do not miss rows on their way from memory to the database; it writes its rows in the
 * background; and neither adding rows nor looking labels up waits for a write under way.
 */
class LabelIndexTest {
    @TempDir
    Path dir;

    private static List<LabelRange> labels(Random random, int n) {
        List<LabelRange> ranges = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[32];
            random.nextBytes(b);
            ranges.add(new LabelRange(HexFormat.of().formatHex(b), 100L * i, 100));
        }
        return ranges;
    }

    @Test
    void aFullDatabaseRefusesWritesButKeepsAnsweringAndTakesWritesAgainOnceThereIsRoom() throws Exception {
        Random random = new Random(5);
        try (LabelIndex index = new LabelIndex(dir.resolve("labels.db"), 60)) {
            ObjectId first = ObjectId.random();
            List<LabelRange> firstLabels = labels(random, 20);
            index.add(first, firstLabels, null);
            index.pending(); // writes what waits
            List<ObjectId> added = new ArrayList<>();
            SQLException full = null;
            for (int i = 0; i < 1000 && full == null; i++) {
                ObjectId id = ObjectId.random();
                index.add(id, labels(random, 200), null);
                added.add(id);
                try {
                    index.pending();
                } catch (SQLException e) {
                    full = e;
                }
            }
            assertThat((Throwable) full).as("the database filled up").isNotNull();
            assertThat(full.getMessage()).contains("full");

            // Look-ups go on working: they failed with "no transaction is active" before.
            for (int round = 0; round < 3; round++) {
                assertThat(index.find(List.of(firstLabels.get(3).label())))
                        .containsKey(firstLabels.get(3).label());
                List<ObjectId> holding = index.objectsWith(firstLabels.get(0).label());
                assertThat(holding).isEqualTo(List.of(first));
            }
            // Room is made, and what waited is written after all.
            for (ObjectId id : added.subList(0, added.size() / 2)) {
                index.remove(id);
            }
            assertThat(index.pending()).isEmpty();
            ObjectId last = ObjectId.random();
            List<LabelRange> lastLabels = labels(random, 5);
            index.add(last, lastLabels, "boot");
            assertThat(index.pending()).containsEntry(last.value(), "boot");
            assertThat(index.find(List.of(lastLabels.get(4).label()))).containsKey(lastLabels.get(4).label());
        }
        try (LabelIndex reopened = new LabelIndex(dir.resolve("labels.db"))) {
            assertThat(reopened.isEmpty()).isFalse();
        }
    }

    @Test
    void whileObjectsAreAddedAndWrittenEveryLabelAddedBeforeALookUpIsFound() throws Exception {
        // Rows move from memory to the database while look-ups run: none may be missed in between.
        try (LabelIndex index = new LabelIndex(dir.resolve("labels.db"))) {
            java.util.concurrent.ConcurrentLinkedQueue<String> added = new java.util.concurrent.ConcurrentLinkedQueue<>();
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                Random random = new Random(w);
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 50; i++) { // some 0.5 s: several 100 ms write intervals
                            List<LabelRange> ranges = labels(random, 64);
                            index.add(ObjectId.random(), ranges, "boot");
                            ranges.forEach(r -> added.add(r.label()));
                            Thread.sleep(10);
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            Thread checker = Thread.ofPlatform().start(() -> {
                try {
                    while (!done.get()) {
                        List<String> before = List.copyOf(added);
                        List<String> sample = new ArrayList<>();
                        for (int i = Math.max(0, before.size() - 300); i < before.size(); i++) {
                            sample.add(before.get(i)); // the newest: in memory, being written, or just written
                        }
                        for (int i = 0; i < before.size(); i += Math.max(1, before.size() / 200)) {
                            sample.add(before.get(i));
                        }
                        assertThat(index.find(sample).keySet()).containsAll(sample);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            for (Thread t : threads) {
                t.join(60_000);
            }
            done.set(true);
            checker.join(60_000);
            assertThat(failure.get()).isNull();
            assertThat(added).hasSize(2 * 50 * 64);
            assertThat(index.find(List.copyOf(added)).keySet()).containsAll(added);
        }
    }

    /** Another process's connection holding the database's write lock until released. */
    private static final class OtherWriter implements AutoCloseable {
        private final Connection connection;

        OtherWriter(Path file) throws SQLException {
            connection = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (Statement s = connection.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
            }
        }

        void release() throws SQLException {
            try (Statement s = connection.createStatement()) {
                s.execute("ROLLBACK");
            }
        }

        @Override
        public void close() throws SQLException {
            connection.close();
        }
    }

    private static long rowsInDatabase(Path file) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM chunks")) {
            return rs.getLong(1);
        }
    }

    @Test
    void rowsAreWrittenInTheBackgroundWithoutAFlush() throws Exception {
        Path file = dir.resolve("labels.db");
        try (LabelIndex index = new LabelIndex(file)) {
            Random random = new Random(7);
            index.add(ObjectId.random(), labels(random, 30), "boot");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            // Rows go to the database once the write interval has passed, when the next object comes.
            while (rowsInDatabase(file) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
                index.add(ObjectId.random(), labels(random, 1), "boot");
            }
            assertThat(rowsInDatabase(file)).as("rows written by the index's own thread").isGreaterThanOrEqualTo(30);
        }
    }

    @Test
    void theWritersThreadEndsWhenThereIsNothingToWrite() throws Exception {
        // obnam-server keeps an index open per client: idle ones must not each keep a thread.
        Path file = dir.resolve("labels.db");
        try (LabelIndex index = new LabelIndex(file)) {
            Random random = new Random(19);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (rowsInDatabase(file) == 0 && System.nanoTime() < deadline) {
                index.add(ObjectId.random(), labels(random, 3), "boot");
                Thread.sleep(20);
            }
            assertThat(rowsInDatabase(file)).isPositive();
            while (writerThreads() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(writerThreads()).as("index writer threads alive while the index is open and idle").isZero();
            index.add(ObjectId.random(), labels(random, 3), "boot");
            assertThat(index.find(List.of(labels(new Random(19), 3).get(0).label()))).hasSize(1);
        }
    }

    private static long writerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("obnam-index") && t.isAlive()).count();
    }

    @Test
    void addingAndLookingUpGoOnWhileAWriteWaitsForTheDatabase() throws Exception {
        Path file = dir.resolve("labels.db");
        Random random = new Random(11);
        try (LabelIndex index = new LabelIndex(file)) {
            List<LabelRange> written = labels(random, 20);
            index.add(ObjectId.random(), written, "boot");
            index.pending(); // writes what waits
            List<LabelRange> waiting = labels(random, 20);
            index.add(ObjectId.random(), waiting, "boot");
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try (OtherWriter other = new OtherWriter(file)) { // the index's write waits for its lock
                Future<?> write = threads.submit(() -> index.pending());
                Thread.sleep(200); // the write is under way, waiting for the lock
                assertThat(write).isNotDone();
                Future<Map<String, ObjectLocation>> lookUp = threads.submit(() -> {
                    List<LabelRange> more = labels(random, 5);
                    index.add(ObjectId.random(), more, "boot");
                    List<String> all = new ArrayList<>();
                    for (List<LabelRange> l : List.of(written, waiting, more)) {
                        l.forEach(r -> all.add(r.label()));
                    }
                    return index.find(all);
                });
                assertThat(lookUp.get(10, TimeUnit.SECONDS)).hasSize(45);
                other.release();
                write.get(60, TimeUnit.SECONDS);
            } finally {
                threads.shutdownNow();
            }
            assertThat(rowsInDatabase(file)).as("the rows that waited for the lock").isGreaterThanOrEqualTo(40);
        }
        assertThat(rowsInDatabase(file)).as("everything, once closed").isEqualTo(45);
    }

    @Test
    void putsWaitForTheWriterOnceTooManyRowsWaitAndGoOnWhenItCatchesUp() throws Exception {
        Path file = dir.resolve("labels.db");
        Random random = new Random(17);
        try (LabelIndex index = new LabelIndex(file)) {
            ExecutorService threads = Executors.newSingleThreadExecutor();
            try (OtherWriter other = new OtherWriter(file)) { // the index's writer waits for its lock
                List<List<LabelRange>> objects = new ArrayList<>();
                for (int i = 0; i < 2 * LabelIndex.MAX_WAITING_ROWS / 500 + 2; i++) {
                    objects.add(labels(random, 500));
                }
                Future<?> puts = threads.submit(() -> {
                    for (List<LabelRange> o : objects) {
                        index.add(ObjectId.random(), o, "boot");
                    }
                    return null;
                });
                Thread.sleep(500);
                assertThat(puts).as("puts held back while the writer cannot write").isNotDone();
                other.release();
                puts.get(60, TimeUnit.SECONDS);
                List<String> all = new ArrayList<>();
                objects.forEach(o -> o.forEach(r -> all.add(r.label())));
                assertThat(index.find(all)).hasSize(all.size());
            } finally {
                threads.shutdownNow();
            }
        }
    }

    @Test
    void aLabelHeldTwiceIsFoundWhereItWasFirstPutInMemoryAndInTheDatabase() throws Exception {
        Random random = new Random(13);
        try (LabelIndex index = new LabelIndex(dir.resolve("labels.db"))) {
            List<LabelRange> first = new ArrayList<>(labels(random, 700)); // more than one hash table's worth of probing
            String twice = first.get(5).label();
            first.add(new LabelRange(twice, 999_000, 7)); // the same label again, later in the same object
            ObjectId a = ObjectId.random();
            ObjectId b = ObjectId.random();
            index.add(a, first, "boot");
            index.add(b, List.of(new LabelRange(twice, 3, 4)), "boot");
            List<String> all = first.stream().map(LabelRange::label).toList();
            for (int round = 0; round < 2; round++) { // in memory, then written
                Map<String, ObjectLocation> found = index.find(all);
                assertThat(found).hasSize(700);
                assertThat(found.get(twice)).isEqualTo(new ObjectLocation(a, first.get(5).offset(), 100));
                for (int i = 0; i < 700; i++) {
                    assertThat(found.get(all.get(i))).isEqualTo(new ObjectLocation(a, first.get(i).offset(), 100));
                }
                assertThat(index.objectsWith(twice)).containsExactlyInAnyOrder(a, b);
                assertThat(index.find(List.of("z".repeat(64)))).isEmpty();
                index.write();
            }
        }
    }

    @Test
    void aLookUpOfNothingIsEmpty() throws Exception {
        try (LabelIndex index = new LabelIndex(dir.resolve("labels.db"))) {
            assertThat(index.find(List.of("0".repeat(64)))).isEmpty();
            List<ObjectId> none = index.objectsWith("0".repeat(64));
            assertThat(none).isEmpty();
        }
    }

    @Test
    void labelsThatAreNotLowercaseHexAreKeptAsTheyAreAndFound() throws Exception {
        List<LabelRange> odd = List.of(new LabelRange("abc", 0, 1), new LabelRange("ABCD", 1, 1), new LabelRange("ab-cd", 2, 1),
                new LabelRange("sha256:00ff", 3, 1), new LabelRange("00ff", 4, 1), new LabelRange("0g", 5, 1));
        List<String> names = odd.stream().map(LabelRange::label).toList();
        ObjectId id = ObjectId.random();
        try (LabelIndex index = new LabelIndex(dir.resolve("labels.db"))) {
            index.add(id, odd, null);
            index.write();
            Map<String, ObjectLocation> found = index.find(names);
            for (LabelRange r : odd) {
                assertThat(found.get(r.label())).as(r.label()).isEqualTo(new ObjectLocation(id, r.offset(), 1));
                assertThat(index.objectsWith(r.label())).as(r.label()).containsExactly(id);
            }
            assertThat(index.find(List.of("00FF", "abcd", "0"))).as("other labels, some spelling the same bytes").isEmpty();
        }
        assertThat(LabelIndex.key("00ff")).isEqualTo(new byte[] {0, (byte) 0xff});
        assertThat(LabelIndex.key("00FF")).isEqualTo("00FF");
    }

    /** Schema 0 kept labels as text in a table with an index by label and one by object. */
    @Test
    void anIndexOfTheFirstSchemaIsConvertedAndKeepsAnsweringAsBefore() throws Exception {
        Path file = dir.resolve("labels.db");
        Random random = new Random(17);
        List<LabelRange> first = labels(random, 300);
        String shared = first.get(7).label();
        ObjectId a = ObjectId.random();
        ObjectId b = ObjectId.random();
        ObjectId pendingOne = ObjectId.random();
        writeFirstSchema(file, a, first);
        writeFirstSchema(file, b, List.of(new LabelRange(shared, 5, 9), new LabelRange("Not-Hex.1", 6, 9)));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("INSERT INTO pending VALUES ('" + pendingOne.value() + "', 'boot-1')");
        }
        try (LabelIndex index = new LabelIndex(file)) {
            Map<String, ObjectLocation> found = index.find(first.stream().map(LabelRange::label).toList());
            assertThat(found).hasSize(300);
            for (LabelRange r : first) {
                assertThat(found.get(r.label())).isEqualTo(new ObjectLocation(a, r.offset(), r.length()));
            }
            assertThat(index.find(List.of("Not-Hex.1"))).containsEntry("Not-Hex.1", new ObjectLocation(b, 6, 9));
            assertThat(index.objectsWith(shared)).containsExactly(a, b);
            assertThat(index.pending()).containsExactly(Map.entry(pendingOne.value(), "boot-1"));
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("PRAGMA freelist_count")) {
                assertThat(rs.getInt(1)).as("the old table's pages given back").isZero();
            }
            index.remove(a);
            assertThat(index.find(List.of(shared))).containsEntry(shared, new ObjectLocation(b, 5, 9));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                assertThat(rs.getInt(1)).isEqualTo(LabelIndex.SCHEMA_VERSION);
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'labels%'")) {
                assertThat(rs.getInt(1)).as("the old table and its indexes are gone").isZero();
            }
        }
        assertThat(rowsInDatabase(file)).isEqualTo(2);
    }

    /** Adds {@code ranges} of {@code id} to a label index of the first schema, which it makes if need be. */
    private static void writeFirstSchema(Path file, ObjectId id, List<LabelRange> ranges) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS labels (label TEXT NOT NULL, object TEXT NOT NULL, offset INTEGER NOT NULL, "
                    + "length INTEGER NOT NULL)");
            s.execute("CREATE INDEX IF NOT EXISTS labels_by_label ON labels (label)");
            s.execute("CREATE INDEX IF NOT EXISTS labels_by_object ON labels (object)");
            s.execute("CREATE TABLE IF NOT EXISTS pending (object TEXT PRIMARY KEY, boot TEXT NOT NULL)");
            c.setAutoCommit(false);
            try (var ins = c.prepareStatement("INSERT INTO labels VALUES (?, ?, ?, ?)")) {
                for (LabelRange r : ranges) {
                    ins.setString(1, r.label());
                    ins.setString(2, id.value());
                    ins.setLong(3, r.offset());
                    ins.setLong(4, r.length());
                    ins.addBatch();
                }
                ins.executeBatch();
            }
            c.commit();
        }
    }

    // Repeated: SQLite refused one of the four at once, with SQLITE_BUSY, in about one try in ten.
    @RepeatedTest(20)
    void processesOpeningAnIndexOfTheFirstSchemaAtOnceConvertItOnce(RepetitionInfo repetition) throws Exception {
        Path file = dir.resolve("labels-" + repetition.getCurrentRepetition() + ".db");
        Random random = new Random(19);
        ObjectId id = ObjectId.random();
        List<LabelRange> ranges = labels(random, 5_000);
        writeFirstSchema(file, id, ranges);
        List<String> names = ranges.stream().map(LabelRange::label).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> opened = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                opened.add(pool.submit(() -> { // a connection each, as separate processes have
                    try (LabelIndex index = new LabelIndex(file)) {
                        return index.find(names).size();
                    }
                }));
            }
            for (Future<Integer> f : opened) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(5_000);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(rowsInDatabase(file)).isEqualTo(5_000);
    }

    @Test
    void anIndexOfAnUnknownSchemaIsRefusedWithWhatToDo() throws Exception {
        Path file = dir.resolve("labels.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version = 99");
        }
        assertThatThrownBy(() -> new LabelIndex(file))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("has schema 99")
                .hasMessageContaining("delete it, and it is rebuilt from the objects");
    }
}
