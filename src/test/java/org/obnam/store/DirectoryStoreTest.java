package org.obnam.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryStoreTest extends StoreContract {
    @TempDir
    Path dir;

    @Override
    protected Store newStore() throws Exception {
        return DirectoryStore.create(dir.resolve("repo"));
    }

    @Override
    protected Store reopen() throws Exception {
        return DirectoryStore.open(dir.resolve("repo"));
    }

    private Path onlyObjectFile() throws Exception {
        try (Stream<Path> files = Files.walk(dir.resolve("repo/objects"))) {
            return files.filter(Files::isRegularFile).findFirst().orElseThrow();
        }
    }

    @Test
    void labelsAreFoundAtOnceAndByOtherProcessesAfterAFlushOrClose() throws Exception {
        // The index commits new rows in groups: until then only this store's connection sees
        // them, and the store's flush and close must commit them.
        List<String> labels = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String label = String.format("%064x", i);
            labels.add(label);
            store.put(ObjectMeta.single(label), new byte[] {(byte) i});
        }
        assertThat(store.findLabels(labels)).hasSize(20);
        store.flush();
        try (DirectoryStore other = DirectoryStore.open(dir.resolve("repo"))) {
            assertThat(other.findLabels(labels)).hasSize(20);
        }
        String last = String.format("%064x", 99);
        store.put(ObjectMeta.single(last), new byte[] {99});
        store.close();
        store = null;
        try (DirectoryStore again = DirectoryStore.open(dir.resolve("repo"))) {
            assertThat(again.findLabels(List.of(last))).containsKey(last);
        }
    }

    @Test
    void openingAMissingRepositoryIsNotFound() {
        assertThatThrownBy(() -> DirectoryStore.open(dir.resolve("nope")))
                .isInstanceOf(StoreException.NotFound.class)
                .hasMessageContaining("nope");
    }

    @Test
    void creatingInANonEmptyForeignDirectoryIsRefused() throws Exception {
        Files.createDirectories(dir.resolve("foreign"));
        Files.writeString(dir.resolve("foreign/precious.txt"), "keep me");
        assertThatThrownBy(() -> DirectoryStore.create(dir.resolve("foreign")))
                .hasMessageContaining("not empty");
        assertThat(Files.readString(dir.resolve("foreign/precious.txt"))).isEqualTo("keep me");
    }

    @Test
    void newerFormatIsRefusedWithAClearMessage() throws Exception {
        store.close();
        store = null;
        Files.writeString(dir.resolve("repo/obnam-store.json"), "{\"format\":\"obnam-store\",\"version\":99}");
        assertThatThrownBy(() -> DirectoryStore.open(dir.resolve("repo")))
                .hasMessageContaining("upgrade Obnam");
    }

    @Test
    void flippedByteInAnObjectIsDetected() throws Exception {
        ObjectId id = store.put(ObjectMeta.single("x"), new byte[100]);
        Path file = onlyObjectFile();
        byte[] content = Files.readAllBytes(file);
        content[content.length - 10] ^= 1;
        Files.write(file, content);
        assertThatThrownBy(() -> store.get(id)).isInstanceOf(StoreException.Corrupt.class);
        assertThatThrownBy(() -> store.getBody(id, n -> new byte[n + 50])).isInstanceOf(StoreException.Corrupt.class);
    }

    @Test
    void aDamagedBodyLengthIsRefusedBeforeAnythingIsAllocatedForIt() throws Exception {
        // check --read-data reads the chunks of a damaged object by the ranges its header and
        // metadata claim: a flipped high bit in the body length once asked for 2 GiB of heap.
        ObjectId id = store.put(ObjectMeta.single("x"), new byte[100]);
        Path file = onlyObjectFile();
        byte[] content = Files.readAllBytes(file);
        content[ObjectFile.MAGIC.length + 2 + 2 + 4 + 3] ^= 0x40; // a high byte of the big-endian body length
        Files.write(file, content);
        assertThatThrownBy(() -> store.getRange(id, 0, Integer.MAX_VALUE - 16)).isInstanceOf(StoreException.Corrupt.class);
        assertThatThrownBy(() -> store.get(id)).isInstanceOf(StoreException.Corrupt.class);
    }

    @Test
    void objectReplacedByEmptyFileIsCorrupt() throws Exception {
        ObjectId id = store.put(ObjectMeta.single("x"), new byte[100]);
        Files.write(onlyObjectFile(), new byte[0]);
        assertThatThrownBy(() -> store.get(id)).isInstanceOf(StoreException.Corrupt.class);
        assertThatThrownBy(() -> store.getRange(id, 0, 10)).isInstanceOf(StoreException.Corrupt.class);
    }

    @Test
    void lostIndexIsRebuiltFromObjects() throws Exception {
        ObjectId id = store.put(ObjectMeta.pack(List.of("a", "b"), List.of(2L, 3L)), new byte[5]);
        store.close();
        store = null;
        Files.delete(dir.resolve("repo/index.sqlite"));
        Files.deleteIfExists(dir.resolve("repo/index.sqlite-wal"));
        Files.deleteIfExists(dir.resolve("repo/index.sqlite-shm"));
        store = reopen();
        assertThat(store.findLabels(List.of("a", "b"))).hasSize(2);
        assertThat(store.findLabels(List.of("b")).get("b").object()).isEqualTo(id);
    }

    @Test
    void readersNeverOpenTheIndexSoADamagedOneStopsOnlyLookUps() throws Exception {
        ObjectId id = store.put(ObjectMeta.single("a"), new byte[] {1, 2, 3});
        store.compareAndSetRecord("r", 0, new byte[] {9});
        store.close();
        store = null;
        for (String f : List.of("index.sqlite", "index.sqlite-wal", "index.sqlite-shm")) {
            Files.deleteIfExists(dir.resolve("repo").resolve(f));
        }
        Files.write(dir.resolve("repo/index.sqlite"), "not a database, not even close to one".repeat(100).getBytes());

        store = reopen();
        assertThat(store.get(id).body()).containsExactly(1, 2, 3);
        assertThat(store.getRecord("r").orElseThrow().body()).containsExactly(9);
        assertThatThrownBy(() -> store.findLabels(List.of("a")))
                .isInstanceOf(StoreException.Corrupt.class)
                .hasMessageContaining("the label index " + dir.resolve("repo/index.sqlite") + " is damaged")
                .hasMessageContaining("delete it, and it is rebuilt from the objects");
        assertThatThrownBy(() -> store.put(ObjectMeta.single("b"), new byte[1]))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("label index");
        assertThatThrownBy(() -> store.delete(id))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("label index");
        assertThat(store.get(id).body()).containsExactly(1, 2, 3); // not deleted behind the index's back
        try (Stream<Path> files = Files.walk(dir.resolve("repo/objects"))) {
            assertThat(files.filter(Files::isRegularFile).count()).isEqualTo(1); // the refused put left nothing
        }
        try (Stream<Path> files = Files.list(dir.resolve("repo/tmp"))) {
            assertThat(files.toList()).isEmpty();
        }
        store.close();

        Files.delete(dir.resolve("repo/index.sqlite"));
        store = reopen();
        assertThat(store.findLabels(List.of("a")).get("a").object()).isEqualTo(id);
    }

    @Test
    void damagedObjectIsLeftOutOfARebuiltIndex() throws Exception {
        store.put(ObjectMeta.single("bad"), new byte[50]);
        store.close();
        store = null;
        Path file = onlyObjectFile();
        byte[] content = Files.readAllBytes(file);
        content[content.length - 1] ^= 0x40;
        Files.write(file, content);
        Files.delete(dir.resolve("repo/index.sqlite"));
        store = reopen();
        assertThat(store.findLabels(List.of("bad"))).isEmpty();
    }

    @Test
    void noTemporaryFilesRemainAfterWrites() throws Exception {
        store.put(ObjectMeta.single("x"), new byte[10]);
        store.compareAndSetRecord("r", 0, new byte[1]);
        try (Stream<Path> files = Files.list(dir.resolve("repo/tmp"))) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aStoreWithRecordHistoryKeepsEveryVersionAndCanMakeAnOldOneCurrent() throws Exception {
        store.close();
        store = null;
        try (DirectoryStore s = DirectoryStore.open(dir.resolve("repo"), true)) {
            assertThat(s.compareAndSetRecord("generations", 0, "one".getBytes())).isEqualTo(1);
            assertThat(s.compareAndSetRecord("generations", 1, "two".getBytes())).isEqualTo(2);
            assertThat(s.compareAndSetRecord("generations", 2, "junk".getBytes())).isEqualTo(3);
            assertThat(s.getRecordVersion("generations", 1).orElseThrow().body()).isEqualTo("one".getBytes());
            assertThat(s.getRecordVersion("generations", 2).orElseThrow().body()).isEqualTo("two".getBytes());
            assertThat(s.getRecordVersion("generations", 3).orElseThrow().body()).isEqualTo("junk".getBytes());
            assertThat(s.getRecordVersion("generations", 4)).isEmpty();
            assertThat(s.getRecordVersion("generations", 0)).isEmpty();
            assertThat(s.getRecordVersion("other", 1)).isEmpty();
            assertThat(s.recordVersions("generations")).extracting(DirectoryStore.RecordVersion::version,
                    DirectoryStore.RecordVersion::bytes, DirectoryStore.RecordVersion::current)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, 3, false),
                            org.assertj.core.groups.Tuple.tuple(2L, 3, false),
                            org.assertj.core.groups.Tuple.tuple(3L, 4, true));

            assertThat(s.restoreRecordVersion("generations", 2)).isEqualTo(4);
            StoredRecord now = s.getRecord("generations").orElseThrow();
            assertThat(now.version()).isEqualTo(4);
            assertThat(now.body()).isEqualTo("two".getBytes());
            assertThat(s.getRecordVersion("generations", 3).orElseThrow().body()).as("the overwritten version stays")
                    .isEqualTo("junk".getBytes());
            assertThatThrownBy(() -> s.restoreRecordVersion("generations", 9)).isInstanceOf(StoreException.NotFound.class);
            assertThat(s.recordNames()).as("the history directory is not a record").containsExactly("generations");
            assertThat(Files.list(dir.resolve("repo/tmp")).toList()).isEmpty();
        }
        try (DirectoryStore plain = DirectoryStore.open(dir.resolve("repo"))) {
            plain.compareAndSetRecord("generations", 4, "five".getBytes());
            assertThat(plain.getRecordVersion("generations", 4)).as("a store without history keeps nothing new")
                    .isEmpty();
            assertThat(plain.getRecordVersion("generations", 5).orElseThrow().body()).isEqualTo("five".getBytes());
        }
    }

    @Test
    void aDirectoryAmongTheRecordsIsNotARecord() throws Exception {
        store.compareAndSetRecord("real", 0, "x".getBytes());
        Files.createDirectories(dir.resolve("repo/records/history"));
        assertThat(store.recordNames()).containsExactly("real");
    }

    @Test
    void aFullDiskIsRecognisedInEveryFormItTakes() {
        assertThat(StoreException.isNoSpace(new java.io.IOException("No space left on device"))).isTrue();
        assertThat(StoreException.isNoSpace(new java.nio.file.FileSystemException("/x", null, "Disk quota exceeded")))
                .isTrue();
        assertThat(StoreException.isNoSpace(new StoreException("wrapped", new java.sql.SQLException(
                "[SQLITE_FULL] Insertion failed because database is full (database or disk is full)")))).isTrue();
        assertThat(StoreException.isNoSpace(new java.io.IOException("Permission denied"))).isFalse();
    }
    @Test
    void objectsOfFormatOneAreStillReadAndIndexed() throws Exception {
        // Format 1 put the metadata before the body; repositories written before format 2 keep working.
        byte[] meta = ObjectMeta.pack(List.of("one", "two"), List.of(3L, 4L)).json()
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] body = "abcdefg".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(meta);
        crc.update(body);
        java.nio.ByteBuffer file = java.nio.ByteBuffer.allocate(ObjectFile.HEADER_SIZE + meta.length + body.length);
        file.put(ObjectFile.MAGIC).putShort((short) 1).putShort((short) 0).putInt(meta.length).putLong(body.length)
                .putInt((int) crc.getValue()).put(meta).put(body);
        ObjectId id = ObjectId.random();
        Path path = dir.resolve("repo/objects").resolve(id.value().substring(0, 2)).resolve(id.value());
        Files.createDirectories(path.getParent());
        Files.write(path, file.array());
        ((DirectoryStore) store).rebuildIndex();
        assertThat(store.findLabels(List.of("two")).get("two")).isEqualTo(new ObjectLocation(id, 3, 4));
        assertThat(store.getRange(id, 3, 4)).containsExactly('d', 'e', 'f', 'g');
        assertThat(store.get(id).body()).isEqualTo(body);
        assertThat(store.findLabel("one")).containsOnlyKeys(id);
    }

    @Test
    void aDraftIsWrittenInPlaceAsFormatTwoAndLeavesNoTemporaryFile() throws Exception {
        byte[] body = new byte[5000];
        new java.util.Random(3).nextBytes(body);
        ObjectId id;
        try (ObjectDraft draft = store.draft()) {
            draft.write(1000, body, 1000, 4000);
            draft.write(0, body, 0, 1000);
            try (Stream<Path> temps = Files.list(dir.resolve("repo/tmp"))) {
                assertThat(temps.filter(p -> p.getFileName().toString().endsWith(".tmp")).count()).isEqualTo(1);
            }
            id = draft.commit(ObjectMeta.single("drafted"), body.length);
        }
        try (ObjectDraft abandoned = store.draft()) {
            abandoned.write(0, body, 0, 10);
        }
        try (Stream<Path> temps = Files.list(dir.resolve("repo/tmp"))) {
            assertThat(temps.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()).isEmpty();
        }
        byte[] file = Files.readAllBytes(onlyObjectFile());
        assertThat(java.nio.ByteBuffer.wrap(file).getShort(ObjectFile.MAGIC.length)).isEqualTo((short) 2);
        assertThat(java.util.Arrays.copyOfRange(file, ObjectFile.HEADER_SIZE, ObjectFile.HEADER_SIZE + body.length)).isEqualTo(body);
        assertThat(ObjectFile.decode(file, "drafted").body()).isEqualTo(body);
        assertThat(store.get(id).body()).isEqualTo(body);
    }
}
