package org.obnam.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.obnam.crypto.Label;
import org.obnam.fs.Extent;
import org.obnam.fs.FileType;
import org.obnam.fs.RawPath;
import org.obnam.fs.Timespec;
import org.obnam.fs.Xattr;
import org.obnam.store.ObjectId;

class GenerationDatabaseTest {
    @TempDir
    Path dir;

    static List<SchemaVersion> versions() {
        return SchemaVersion.SUPPORTED;
    }

    private static Entry entry(String path, FileType type, long size, Reason reason) {
        return new Entry(RawPath.ofUtf8(path), type, 0644, 1000, 1000, "user", "group", size,
                new Timespec(1_700_000_000L, 123_456_789), new Timespec(1_700_000_001L, 5), 42, 8, 1, 1, 0, 0, null,
                List.of(), null, null, reason, false);
    }

    private static ChunkRef chunk(int seed, int size) {
        byte[] label = new byte[32];
        label[0] = (byte) seed;
        label[31] = (byte) (seed >> 8);
        return new ChunkRef(Label.of(label), new ObjectId("obj" + seed), seed * 100L, size + 30, size);
    }

    @ParameterizedTest
    @MethodSource("versions")
    void everyFieldSurvivesWriteAndRead(SchemaVersion version) throws Exception {
        Path file = dir.resolve("gen-" + version + ".db");
        byte[] rawName = {'l', 'i', 'v', 'e', '/', (byte) 0xff, (byte) 0xfe};
        Entry rich = new Entry(RawPath.of(rawName), FileType.REGULAR, 04755, 1234, 5678, "u", "g", 8 << 20,
                new Timespec(-5, 999_999_999), new Timespec(7, 1), 99, 253, 7, 2, 0, 0, null,
                List.of(new Xattr("user.k".getBytes(), new byte[] {(byte) 0xff, 0, 1}), new Xattr("user.e".getBytes(), new byte[0])),
                List.of(new Extent(4096, 8192), new Extent(1 << 20, 100)), null, Reason.CHANGED, true);
        Entry link = new Entry(RawPath.ofUtf8("live/l"), FileType.SYMLINK, 0777, 0, 0, "", "", 3, new Timespec(1, 2),
                new Timespec(3, 4), 5, 0, 0, 1, 0, 0, new byte[] {'t', (byte) 0x88}, List.of(), null, null, Reason.NEW, false);
        Entry hard = entry("live/h", FileType.REGULAR, 10, Reason.UNCHANGED).withHardLinkTo(RawPath.of(rawName));
        Entry dev = new Entry(RawPath.ofUtf8("/dev/x"), FileType.CHAR_DEVICE, 0600, 0, 0, "root", "root", 0,
                new Timespec(1, 0), new Timespec(1, 0), 1, 0, 5, 1, 1, 3, null, List.of(), null, null, Reason.NEW, false);
        List<ChunkRef> chunks = List.of(chunk(1, 1000), chunk(2, 2000), chunk(3, 3));
        try (GenerationWriter w = GenerationWriter.create(file, version)) {
            assertThat(w.add(rich, chunks)).isEqualTo(1);
            w.add(link, List.of());
            w.add(hard, List.of());
            w.add(dev, List.of());
            w.finish();
        }
        try (GenerationReader r = GenerationReader.open(file)) {
            assertThat(r.schemaVersion()).isEqualTo(version);
            assertThat(r.fileCount()).isEqualTo(4);
            assertThat(r.fileBytes()).isEqualTo((8 << 20) + 10);
            List<StoredEntry> all = new ArrayList<>();
            r.forEach(all::add);
            assertThat(all).extracting(StoredEntry::fileno).containsExactly(1L, 2L, 3L, 4L);
            assertSameEntry(all.get(0).entry(), rich);
            assertThat(all.get(0).chunks()).isEqualTo(chunks);
            assertSameEntry(all.get(1).entry(), link);
            assertThat(all.get(1).chunks()).isEmpty();
            assertThat(all.get(2).entry().hardLinkTo()).isEqualTo(RawPath.of(rawName));
            assertSameEntry(all.get(3).entry(), dev);
            assertThat(r.lookup(RawPath.of(rawName)).orElseThrow().chunks()).isEqualTo(chunks);
            assertThat(r.lookup(RawPath.ofUtf8("live/nothing"))).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("versions")
    void chunkListsAndReasonsGivenAfterTheEntriesReadAsIfGivenWithThem(SchemaVersion version) throws Exception {
        // A backup adds entries in walk order and fills in chunk lists as their content is stored,
        // in whatever order that happens: the result must not show the difference.
        List<Entry> entries = List.of(entry("live/a", FileType.REGULAR, 3000, Reason.NEW),
                entry("live/b", FileType.REGULAR, 10, Reason.CHANGED), entry("live/c", FileType.REGULAR, 7000, Reason.NEW),
                entry("live/d", FileType.REGULAR, 5, Reason.NEW));
        List<List<ChunkRef>> chunks = List.of(List.of(chunk(1, 1000), chunk(2, 2000)), List.of(chunk(3, 10)),
                List.of(chunk(4, 4000), chunk(5, 3000)), List.of());
        Path together = dir.resolve("together-" + version + ".db");
        try (GenerationWriter w = GenerationWriter.create(together, version)) {
            for (int i = 0; i < entries.size(); i++) {
                w.add(i == 3 ? entries.get(i).withReason(Reason.SKIPPED) : entries.get(i), chunks.get(i));
            }
            w.finish();
        }
        Path later = dir.resolve("later-" + version + ".db");
        try (GenerationWriter w = GenerationWriter.create(later, version)) {
            for (Entry e : entries) {
                w.add(e, List.of());
            }
            w.setChunks(3, chunks.get(2));
            w.setReason(4, Reason.SKIPPED);
            w.setChunks(1, chunks.get(0));
            w.setChunks(2, chunks.get(1));
            assertThatThrownBy(() -> w.setChunks(5, chunks.get(0))).hasMessageContaining("no entry 5");
            w.finish();
        }
        assertThat(readAll(later)).isEqualTo(readAll(together));
        List<List<ChunkRef>> read = new ArrayList<>();
        try (GenerationReader r = GenerationReader.open(later)) {
            r.forEach(e -> read.add(e.chunks()));
        }
        assertThat(read).isEqualTo(chunks);
    }

    @ParameterizedTest
    @MethodSource("versions")
    void chunkListsReadByACursorGoIntoTheNextGenerationUnchanged(SchemaVersion version) throws Exception {
        // A backup copies an unchanged file's chunk list from the previous generation's cursor
        // without decoding it: the copy must hold the same chunks, and the list the same values.
        List<List<ChunkRef>> chunks = List.of(List.of(chunk(1, 1000), chunk(2, 2000)), List.of(),
                List.of(chunk(3, 10)), List.of(chunk(4, 4000), chunk(5, 3000), chunk(6, 1)));
        Path first = dir.resolve("first-" + version + ".db");
        try (GenerationWriter w = GenerationWriter.create(first, version)) {
            for (int i = 0; i < chunks.size(); i++) {
                w.add(entry("live/f" + i, FileType.REGULAR, 10, Reason.NEW), chunks.get(i));
            }
            w.finish();
        }
        Path second = dir.resolve("second-" + version + ".db");
        List<List<ChunkRef>> seen = new ArrayList<>();
        try (GenerationReader r = GenerationReader.open(first);
                GenerationReader.Cursor c = r.cursorFrom(null);
                GenerationWriter w = GenerationWriter.create(second, version)) {
            for (StoredEntry e = c.next(); e != null; e = c.next()) {
                w.add(e.entry(), e.chunks());
                seen.add(e.chunks());
            }
            w.finish();
        }
        assertThat(seen).isEqualTo(chunks);
        assertThat(seen).extracting(List::size).containsExactly(2, 0, 1, 3);
        assertThat(readAll(second)).isEqualTo(readAll(first));
    }

    @org.junit.jupiter.api.Test
    void aCursorRefusesAChunkListWhoseLayoutIsDamaged() throws Exception {
        Path file = dir.resolve("damaged.db");
        try (GenerationWriter w = GenerationWriter.create(file, SchemaVersion.V0)) {
            w.add(entry("live/f", FileType.REGULAR, 10, Reason.NEW), List.of(chunk(1, 1000), chunk(2, 2000)));
            w.finish();
        }
        try (java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
                java.sql.Statement s = db.createStatement()) {
            s.executeUpdate("UPDATE files SET chunks = substr(chunks, 1, length(chunks) - 3)");
        }
        try (GenerationReader r = GenerationReader.open(file); GenerationReader.Cursor c = r.cursorFrom(null)) {
            assertThatThrownBy(c::next).isInstanceOf(GenerationException.class).hasMessageContaining("damaged chunk list");
        }
    }

    private static List<String> readAll(Path file) throws Exception {
        List<String> out = new ArrayList<>();
        try (GenerationReader r = GenerationReader.open(file)) {
            r.forEach(s -> out.add(s.fileno() + " " + s.entry().path() + " " + s.entry().reason() + " " + s.chunks()));
        }
        return out;
    }

    private static void assertSameEntry(Entry actual, Entry expected) {
        assertThat(actual).usingRecursiveComparison().ignoringFields("symlinkTarget", "xattrs").isEqualTo(expected);
        assertThat(actual.symlinkTarget()).isEqualTo(expected.symlinkTarget());
        assertThat(actual.xattrs()).isEqualTo(expected.xattrs());
    }

    @Property(tries = 30)
    void chunkListsOfAnyLengthRoundTrip(@ForAll("chunkLists") List<ChunkRef> chunks) throws Exception {
        Path scratch = Files.createTempDirectory("obnam-gen-property");
        for (SchemaVersion v : SchemaVersion.SUPPORTED) {
            Path file = scratch.resolve("p-" + v + ".db");
            try (GenerationWriter w = GenerationWriter.create(file, v)) {
                w.add(entry("f", FileType.REGULAR, 1, Reason.NEW), chunks);
                w.finish();
            }
            try (GenerationReader r = GenerationReader.open(file)) {
                assertThat(r.lookup(RawPath.ofUtf8("f")).orElseThrow().chunks()).isEqualTo(chunks);
            }
            Files.delete(file);
        }
        Files.delete(scratch);
    }

    @Provide
    Arbitrary<List<ChunkRef>> chunkLists() {
        Arbitrary<ChunkRef> one = Combinators.combine(
                        Arbitraries.bytes().array(byte[].class).ofSize(32),
                        Arbitraries.strings().withChars("abcdef0123456789-_").ofMinLength(1).ofMaxLength(64),
                        Arbitraries.longs().between(0, Long.MAX_VALUE / 2),
                        Arbitraries.integers().between(0, Integer.MAX_VALUE),
                        Arbitraries.integers().between(0, 64 << 20))
                .as((l, id, off, len, size) -> new ChunkRef(Label.of(l), new ObjectId("x" + id), off, len, size));
        return one.list().ofMaxSize(300);
    }

    @org.junit.jupiter.api.Test
    void aGenerationLargerThanTheWritersMemorySortsItsIndexBesideTheDatabase() throws Exception {
        // The path index of this many long paths is larger than the writer's page cache, so SQLite
        // sorts it through a temporary file in the database's directory: its name must be quoted.
        Path scratch = Files.createDirectory(dir.resolve("it's a scratch dir"));
        Path file = scratch.resolve("big.db");
        String padding = "p".repeat(120);
        int files = 60_000;
        try (GenerationWriter w = GenerationWriter.create(file, SchemaVersion.V0)) {
            for (int i = files - 1; i >= 0; i--) {
                w.add(entry("/data/" + padding + "/f" + i, FileType.REGULAR, i, Reason.NEW), List.of(chunk(i, 10)));
            }
            w.finish();
        }
        try (GenerationReader r = GenerationReader.open(file)) {
            assertThat(r.fileCount()).isEqualTo(files);
            StoredEntry e = r.lookup(RawPath.ofUtf8("/data/" + padding + "/f12345")).orElseThrow();
            assertThat(e.entry().size()).isEqualTo(12345);
            assertThat(e.chunks()).containsExactly(chunk(12345, 10));
        }
        try (var left = Files.list(scratch)) {
            assertThat(left).containsExactly(file); // the sort's temporary file is gone
        }
    }

    @org.junit.jupiter.api.Test
    void newerSchemaIsRefusedWithAClearMessage() throws Exception {
        Path file = dir.resolve("future.db");
        try (GenerationWriter w = GenerationWriter.create(file, SchemaVersion.V0)) {
            w.putMeta("schema_version", "9.0");
            w.finish();
        }
        assertThatThrownBy(() -> GenerationReader.open(file)).hasMessageContaining("9.0").hasMessageContaining("upgrade Obnam");
    }

    @org.junit.jupiter.api.Test
    void aFileThatIsNotADatabaseIsRefused() throws Exception {
        Path file = dir.resolve("junk.db");
        Files.writeString(file, "this is not sqlite at all, just some text that is long enough".repeat(20));
        assertThatThrownBy(() -> GenerationReader.open(file)).isInstanceOf(GenerationException.class);
    }

    @org.junit.jupiter.api.Test
    void writerRefusesToOverwrite() throws Exception {
        Path file = dir.resolve("exists.db");
        Files.writeString(file, "x");
        assertThatThrownBy(() -> GenerationWriter.create(file, SchemaVersion.V0)).hasMessageContaining("already exists");
    }

    @org.junit.jupiter.api.Test
    void schemaVersionsAreResolvedByMajor() {
        assertThat(SchemaVersion.ofMajor(0)).isEqualTo(SchemaVersion.V0);
        assertThat(SchemaVersion.ofMajor(1)).isEqualTo(SchemaVersion.V1);
        assertThatThrownBy(() -> SchemaVersion.ofMajor(7)).hasMessageContaining("not supported");
        assertThat(SchemaVersion.DEFAULT.toString()).isEqualTo("0.0");
    }
}
