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
                assertThat(w.reserve(e)).isEqualTo(entries.indexOf(e) + 1);
            }
            w.addReserved(3, entries.get(2), chunks.get(2));
            w.addReserved(4, entries.get(3).withReason(Reason.SKIPPED), List.of());
            assertThatThrownBy(() -> w.addReserved(4, entries.get(3), chunks.get(0))).hasMessageContaining("no entry 4");
            assertThatThrownBy(() -> w.finish()).hasMessageContaining("2 reserved entries were never added");
            w.addReserved(1, entries.get(0), chunks.get(0));
            w.addReserved(2, entries.get(1), chunks.get(1));
            assertThatThrownBy(() -> w.addReserved(5, entries.get(0), chunks.get(0))).hasMessageContaining("no entry 5");
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
    void aBigFilesChunksTakenAheadOfItsRowReadAsIfGivenWithItAndCanBeDropped(SchemaVersion version) throws Exception {
        List<Entry> entries = List.of(entry("live/big", FileType.REGULAR, 9000, Reason.NEW),
                entry("live/small", FileType.REGULAR, 10, Reason.NEW), entry("live/gone", FileType.REGULAR, 5000, Reason.NEW));
        List<ChunkRef> big = List.of(chunk(1, 1000), chunk(2, 2000), chunk(3, 3000), chunk(4, 3000));
        Path file = dir.resolve("appended-" + version + ".db");
        try (GenerationWriter w = GenerationWriter.create(file, version)) {
            for (Entry e : entries) {
                w.reserve(e);
            }
            w.appendChunks(1, big.subList(0, 2));
            w.addReserved(2, entries.get(1), List.of(chunk(5, 10))); // another row meanwhile
            w.appendChunks(1, big.subList(2, 3));
            assertThatThrownBy(() -> w.appendChunks(3, List.of(chunk(9, 1)))).as("one entry at a time")
                    .isInstanceOf(IllegalStateException.class);
            w.addReserved(1, entries.get(0), big.subList(3, 4));
            w.appendChunks(3, List.of(chunk(6, 2500), chunk(7, 2500)));
            w.discardChunks(3); // it could not be read to its end after all
            w.addReserved(3, entries.get(2).withReason(Reason.SKIPPED), List.of());
            w.finish();
        }
        List<List<ChunkRef>> read = new ArrayList<>();
        try (GenerationReader r = GenerationReader.open(file)) {
            r.forEach(e -> read.add(e.chunks()));
        }
        assertThat(read).isEqualTo(List.of(big, List.of(chunk(5, 10)), List.of()));
    }

    @org.junit.jupiter.api.Test
    void aCompactChunkListReadsBackTheChunksItWasGivenAndRefusesDamage() {
        List<ChunkRef> chunks = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            chunks.add(new ChunkRef(chunk(i % 250 + 1, 100).label(), i % 7 == 0 ? new ObjectId("other" + i)
                    : new ObjectId("p" + i / 100), (long) i << 33, i, i * 2));
        }
        byte[] encoded = ChunkList.encode(chunks);
        ChunkList list = ChunkList.of(encoded);
        // The column's layout in schema 0.0, as generations written before ChunkList have it:
        // label, u8 id length, id, u64 offset, u32 length, u32 size, big-endian.
        byte[] label = new byte[32];
        label[0] = 1;
        ChunkRef one = new ChunkRef(Label.of(label), new ObjectId("ab"), 0x0102030405060708L, 0x0a0b0c0d, 7);
        byte[] expected = new byte[32 + 1 + 2 + 16];
        expected[0] = 1;
        expected[32] = 2;
        expected[33] = 'a';
        expected[34] = 'b';
        byte[] tail = {1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0, 0, 7};
        System.arraycopy(tail, 0, expected, 35, 16);
        assertThat(ChunkList.encode(List.of(one))).isEqualTo(expected);
        assertThat(ChunkList.of(expected)).containsExactly(one);
        assertThat(list).hasSize(3000).isEqualTo(chunks);
        assertThat(new ChunkList.Builder().addAll(chunks.subList(0, 10)).build()).isEqualTo(chunks.subList(0, 10));
        assertThatThrownBy(() -> ChunkList.of(java.util.Arrays.copyOf(encoded, encoded.length - 3)))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] badId = encoded.clone();
        badId[Label.LENGTH + 1] = '/';
        assertThatThrownBy(() -> ChunkList.of(badId)).isInstanceOf(IllegalArgumentException.class);
    }

    static List<org.junit.jupiter.params.provider.Arguments> versionPairs() {
        List<org.junit.jupiter.params.provider.Arguments> pairs = new ArrayList<>();
        for (SchemaVersion before : SchemaVersion.SUPPORTED) {
            for (SchemaVersion after : SchemaVersion.SUPPORTED) {
                pairs.add(org.junit.jupiter.params.provider.Arguments.of(before, after));
            }
        }
        return pairs;
    }

    private static Entry withLinkData(Entry e, long devMajor, long devMinor, long nlink, boolean cachedirTag) {
        return new Entry(e.path(), e.type(), e.permissions(), e.uid(), e.gid(), e.user(), e.group(), e.size(),
                e.mtime(), e.ctime(), e.inode(), devMajor, devMinor, nlink, e.rdevMajor(), e.rdevMinor(),
                e.symlinkTarget(), e.xattrs(), e.extents(), e.hardLinkTo(), e.reason(), cachedirTag);
    }

    /** What the walk hands over for an unchanged file: no names, attributes or extents. */
    private static Entry asWalked(Entry e) {
        return new Entry(e.path(), e.type(), e.permissions(), e.uid(), e.gid(), null, null, e.size(), e.mtime(),
                e.ctime(), e.inode(), e.deviceMajor(), e.deviceMinor(), e.nlink(), e.rdevMajor(), e.rdevMinor(), null,
                List.of(), null, null, Reason.UNCHANGED, e.cachedirTag());
    }

    @ParameterizedTest
    @MethodSource("versionPairs")
    void unchangedEntriesTakenFromThePreviousGenerationReadAsIfWrittenInFull(SchemaVersion before, SchemaVersion after)
            throws Exception {
        // A backup copies unchanged files' rows from the previous generation inside SQLite, in runs,
        // or row by row when a detail the walk sees differs; with another schema version it
        // re-encodes them. The result must read exactly like a generation written entry by entry.
        List<Entry> old = new ArrayList<>();
        List<List<ChunkRef>> oldChunks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Entry e = entry("live/f" + i, FileType.REGULAR, 1000L * i, i == 2 ? Reason.CHANGED : Reason.NEW);
            if (i == 1) {
                e = new Entry(e.path(), e.type(), 0600, 7, 8, "seven", "eight", 1 << 30, e.mtime(), e.ctime(), 77, 8, 1,
                        1, 0, 0, null, List.of(new Xattr("user.a".getBytes(), new byte[] {1, (byte) 0xff})),
                        List.of(new Extent(0, 4096), new Extent(1 << 29, 4096)), null, Reason.NEW, false);
            }
            old.add(e);
            oldChunks.add(i == 3 ? List.of() : List.of(chunk(10 * i + 1, 100 + i), chunk(10 * i + 2, 200 + i)));
        }
        Path first = dir.resolve("first.db");
        try (GenerationWriter w = GenerationWriter.create(first, before)) {
            for (int i = 0; i < old.size(); i++) {
                w.add(old.get(i), oldChunks.get(i));
            }
            w.finish();
        }
        Entry fresh = entry("live/f10-new", FileType.REGULAR, 5, Reason.NEW);
        List<ChunkRef> freshChunks = List.of(chunk(99, 5));
        Entry moved = withLinkData(old.get(5), 9, 2, 3, true); // same content, another device and more links
        Path expected = dir.resolve("expected.db");
        try (GenerationWriter w = GenerationWriter.create(expected, after)) {
            for (int i : new int[] {0, 1, 2}) {
                w.add(old.get(i).withReason(Reason.UNCHANGED), oldChunks.get(i));
            }
            w.add(fresh, freshChunks);
            w.add(old.get(3).withReason(Reason.UNCHANGED), oldChunks.get(3));
            w.add(moved.withReason(Reason.UNCHANGED), oldChunks.get(5));
            w.add(old.get(7).withReason(Reason.UNCHANGED), oldChunks.get(7));
            w.add(old.get(6).withReason(Reason.UNCHANGED), oldChunks.get(6));
            w.finish();
        }
        Path second = dir.resolve("second.db");
        try (GenerationWriter w = GenerationWriter.create(second, after, first)) {
            assertThat(w.copyUnchanged(asWalked(old.get(0)), 1)).isEqualTo(1);
            assertThat(w.copyUnchanged(asWalked(old.get(1)), 2)).isEqualTo(2);
            assertThat(w.copyUnchanged(asWalked(old.get(2)), 3)).isEqualTo(3);
            assertThat(w.reserve(fresh)).isEqualTo(4);
            assertThat(w.copyUnchanged(asWalked(old.get(3)), 4)).isEqualTo(5);
            assertThat(w.addUnchanged(asWalked(moved), 6)).isEqualTo(6);
            assertThat(w.copyUnchanged(asWalked(old.get(7)), 8)).isEqualTo(7);
            assertThat(w.copyUnchanged(asWalked(old.get(6)), 7)).isEqualTo(8); // out of order: a new run
            w.addReserved(4, fresh, freshChunks);
            w.finish();
        }
        List<StoredEntry> want = readEntries(expected);
        List<StoredEntry> got = readEntries(second);
        assertThat(got).hasSameSizeAs(want);
        for (int i = 0; i < want.size(); i++) {
            assertThat(got.get(i).fileno()).isEqualTo(want.get(i).fileno());
            assertSameEntry(got.get(i).entry(), want.get(i).entry());
            assertThat(got.get(i).chunks()).isEqualTo(want.get(i).chunks());
        }
        try (GenerationReader w = GenerationReader.open(expected); GenerationReader g = GenerationReader.open(second)) {
            assertThat(g.meta().get("file_count")).isEqualTo(w.meta().get("file_count")).isEqualTo("8");
            assertThat(g.meta().get("file_bytes")).isEqualTo(w.meta().get("file_bytes"));
            assertThat(g.schemaVersion()).isEqualTo(after);
            assertThat(g.lookup(RawPath.ofUtf8("live/f6")).orElseThrow().fileno()).isEqualTo(8);
        }
    }

    @ParameterizedTest
    @MethodSource("versions")
    void aRowThePreviousGenerationLacksFailsTheCopyWithAClearError(SchemaVersion version) throws Exception {
        Path first = dir.resolve("first.db");
        try (GenerationWriter w = GenerationWriter.create(first, version)) {
            w.add(entry("live/a", FileType.REGULAR, 10, Reason.NEW), List.of(chunk(1, 10)));
            w.finish();
        }
        try (GenerationWriter w = GenerationWriter.create(dir.resolve("second.db"), version, first)) {
            w.copyUnchanged(asWalked(entry("live/a", FileType.REGULAR, 10, Reason.NEW)), 1);
            w.copyUnchanged(asWalked(entry("live/b", FileType.REGULAR, 10, Reason.NEW)), 2);
            assertThatThrownBy(w::finish).isInstanceOf(GenerationException.class)
                    .hasMessageContaining("previous generation lacks");
            assertThatThrownBy(() -> w.addUnchanged(asWalked(entry("live/c", FileType.REGULAR, 1, Reason.NEW)), 9))
                    .isInstanceOf(GenerationException.class).hasMessageContaining("no entry 9");
        }
    }

    @org.junit.jupiter.api.Test
    void aPreviousGenerationThatIsNotADatabaseIsRefused() throws Exception {
        Path junk = dir.resolve("junk.db");
        Files.write(junk, new byte[4096]);
        Path next = dir.resolve("next.db");
        assertThatThrownBy(() -> GenerationWriter.create(next, SchemaVersion.DEFAULT, junk))
                .isInstanceOf(GenerationException.class).hasMessageContaining("previous generation database");
        assertThatThrownBy(() -> GenerationWriter.create(dir.resolve("other.db"), SchemaVersion.DEFAULT,
                dir.resolve("missing.db"))).hasMessageContaining("does not exist");
        assertThat(dir.resolve("missing.db")).doesNotExist();
    }

    @org.junit.jupiter.api.Test
    void stampsFollowTheRowsInBackupOrderFromAPath() throws Exception {
        Path file = dir.resolve("stamps.db");
        Entry a = entry("live/a", FileType.REGULAR, 10, Reason.NEW);
        Entry b = new Entry(RawPath.ofUtf8("live/b"), FileType.DIRECTORY, 0700, 3, 4, "u", "g", 4096,
                new Timespec(9, 8), new Timespec(7, 6), 55, 8, 2, 2, 0, 0, null, List.of(), null, null, Reason.SKIPPED,
                true);
        Entry c = entry("live/c", FileType.REGULAR, 10, Reason.UNCHANGED).withHardLinkTo(RawPath.ofUtf8("live/a"));
        try (GenerationWriter w = GenerationWriter.create(file, SchemaVersion.DEFAULT)) {
            w.add(a, List.of(chunk(1, 10)));
            w.add(b, List.of());
            w.add(c, List.of());
            w.finish();
        }
        try (GenerationReader r = GenerationReader.open(file)) {
            try (GenerationReader.StampCursor all = r.stampsFrom(null)) {
                assertThat(all.next()).isEqualTo(new EntryStamp(1, a.path(), a.type(), a.permissions(), a.uid(),
                        a.gid(), a.size(), a.mtime(), a.ctime(), a.inode(), a.deviceMajor(), a.deviceMinor(), a.nlink(),
                        Reason.NEW, false, false));
                assertThat(all.next()).isEqualTo(new EntryStamp(2, b.path(), FileType.DIRECTORY, 0700, 3, 4, 4096,
                        new Timespec(9, 8), new Timespec(7, 6), 55, 8, 2, 2, Reason.SKIPPED, true, false));
                assertThat(all.next().hardLink()).isTrue();
                assertThat(all.next()).isNull();
            }
            try (GenerationReader.StampCursor fromB = r.stampsFrom(RawPath.ofUtf8("live/b"))) {
                assertThat(fromB.next().fileno()).isEqualTo(2);
            }
            try (GenerationReader.StampCursor none = r.stampsFrom(RawPath.ofUtf8("live/zzz"))) {
                assertThat(none.next()).isNull();
            }
        }
    }

    @org.junit.jupiter.api.Test
    void aStampCursorRefusesAnUnknownKindOrReason() throws Exception {
        Path file = dir.resolve("damaged.db");
        try (GenerationWriter w = GenerationWriter.create(file, SchemaVersion.DEFAULT)) {
            w.add(entry("live/a", FileType.REGULAR, 10, Reason.NEW), List.of());
            w.add(entry("live/b", FileType.REGULAR, 10, Reason.NEW), List.of());
            w.finish();
        }
        try (java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
                java.sql.Statement s = db.createStatement()) {
            s.executeUpdate("UPDATE files SET kind = 'WORMHOLE' WHERE fileno = 1");
            s.executeUpdate("UPDATE files SET reason = 'because' WHERE fileno = 2");
        }
        try (GenerationReader r = GenerationReader.open(file); GenerationReader.StampCursor c = r.stampsFrom(null)) {
            assertThatThrownBy(c::next).isInstanceOf(GenerationException.class).hasMessageContaining("unknown file kind");
            assertThatThrownBy(c::next).isInstanceOf(GenerationException.class).hasMessageContaining("entry 2");
        }
    }

    private static List<StoredEntry> readEntries(Path file) throws Exception {
        List<StoredEntry> out = new ArrayList<>();
        try (GenerationReader r = GenerationReader.open(file)) {
            r.forEach(out::add);
        }
        return out;
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
