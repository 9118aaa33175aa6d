package org.obnam.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

    @Override
    protected void truncate(ObjectId id) throws Exception {
        truncate(objectFile(id), 20);
    }

    private Path objectFile(ObjectId id) {
        return dir.resolve("repo/objects").resolve(id.value().substring(0, 2)).resolve(id.value());
    }

    private static void truncate(Path file, long size) throws Exception {
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
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
    void aFlippedByteInAnObjectsMetadataFailsABodyReadThoughTheMetadataIsNotReturned() throws Exception {
        ObjectId id = store.put(ObjectMeta.single("abc"), new byte[100]);
        Path file = onlyObjectFile();
        byte[] content = Files.readAllBytes(file);
        int at = new String(content, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("abc");
        content[at] = 'x';
        Files.write(file, content);
        assertThatThrownBy(() -> store.getBody(id, byte[]::new)).isInstanceOf(StoreException.Corrupt.class)
                .hasMessageContaining("checksum");
    }

    @Test
    void aFormatVersionChangedInTheHeaderFailsABodyReadThoughTheChecksumStillHolds() throws Exception {
        // The checksum covers everything after the header in file order, so changing the format
        // version (metadata first or body first) keeps it right and only cuts the file elsewhere.
        byte[] body = new byte[3000];
        new java.util.Random(7).nextBytes(body);
        ObjectId current = store.put(ObjectMeta.pack(List.of("a", "b"), List.of(1000L, 2000L)), body);
        Path file = onlyObjectFile();
        byte[] content = Files.readAllBytes(file);
        content[9] = 1; // format 2 read as format 1: the "metadata" is the start of the body
        Files.write(file, content);
        assertThatThrownBy(() -> store.getBody(current, byte[]::new)).isInstanceOf(StoreException.Corrupt.class)
                .hasMessageContaining("metadata");

        byte[] meta = ObjectMeta.single("c").json().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(meta);
        crc.update(body);
        java.nio.ByteBuffer old = java.nio.ByteBuffer.allocate(ObjectFile.HEADER_SIZE + meta.length + body.length);
        old.put(ObjectFile.MAGIC).putShort((short) 2).putShort((short) 0).putInt(meta.length).putLong(body.length)
                .putInt((int) crc.getValue()).put(meta).put(body); // format 1's layout, format 2 in the header
        ObjectId formatOne = ObjectId.random();
        Path path = dir.resolve("repo/objects").resolve(formatOne.value().substring(0, 2)).resolve(formatOne.value());
        Files.createDirectories(path.getParent());
        Files.write(path, old.array());
        assertThatThrownBy(() -> store.getBody(formatOne, byte[]::new)).isInstanceOf(StoreException.Corrupt.class)
                .hasMessageContaining("metadata");
    }

    @Test
    void anOpenObjectGivesItsBodyInPiecesAndChecksItsSumOnlyWhenAsked() throws Exception {
        byte[] body = new byte[3 * FileDraft.IO_SLICE + 17];
        new java.util.Random(3).nextBytes(body);
        DirectoryStore directory = (DirectoryStore) store;
        ObjectId id = store.put(ObjectMeta.single("x"), body);
        try (DirectoryStore.OpenObject open = directory.open(id, true)) {
            assertThat(open.info().size()).isEqualTo(body.length);
            assertThat(open.info().meta()).isEqualTo(ObjectMeta.single("x"));
            java.nio.ByteBuffer piece = java.nio.ByteBuffer.allocate(1000);
            open.read(body.length - 1000, piece);
            assertThat(piece.array()).isEqualTo(java.util.Arrays.copyOfRange(body, body.length - 1000, body.length));
            assertThatThrownBy(() -> open.read(body.length - 999, java.nio.ByteBuffer.allocate(1000)))
                    .isInstanceOf(StoreException.BadRequest.class);
            assertThatThrownBy(() -> open.read(-1, java.nio.ByteBuffer.allocate(1)))
                    .isInstanceOf(StoreException.BadRequest.class);
        }
        Path file = onlyObjectFile();
        byte[] content = Files.readAllBytes(file);
        content[content.length / 2] ^= 1; // in the body
        Files.write(file, content);
        assertThatThrownBy(() -> directory.open(id, true)).isInstanceOf(StoreException.Corrupt.class)
                .hasMessageContaining("fails its checksum");
        try (DirectoryStore.OpenObject open = directory.open(id, false)) { // a range is checked by the client
            assertThat(open.info().size()).isEqualTo(body.length);
        }
        assertThatThrownBy(() -> directory.open(new ObjectId("0123456789abcdef0123456789abcdef"), false))
                .isInstanceOf(StoreException.NotFound.class);
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

    /** What a listing reported: objects, damaged objects with their problem, and stray files with why. */
    private record Listing(List<ObjectId> objects, Map<ObjectId, String> damaged, Map<String, String> strays) {}

    private Listing listing() throws StoreException {
        Listing l = new Listing(new java.util.ArrayList<>(), new java.util.HashMap<>(), new java.util.HashMap<>());
        store.list(new ObjectVisitor() {
            @Override
            public void object(ObjectInfo info) {
                l.objects().add(info.id());
            }

            @Override
            public void damaged(ObjectId id, StoreException problem) {
                l.damaged().put(id, problem.getMessage());
            }

            @Override
            public void stray(String where, String why) {
                l.strays().put(where, why);
            }
        });
        return l;
    }

    /** A pack of three chunks and two other objects, durable. */
    private List<ObjectId> threeObjects() throws Exception {
        ObjectId pack = store.put(ObjectMeta.pack(List.of("p1", "p2", "p3"), List.of(1000L, 1000L, 1000L)),
                new byte[3000]);
        ObjectId one = store.put(ObjectMeta.single("one"), new byte[100]);
        ObjectId two = store.put(ObjectMeta.single("two"), new byte[100]);
        store.flush();
        return List.of(pack, one, two);
    }

    @Test
    void aListingOfManyObjectsGivesEveryOneOnceOnTheCallersThreadInTheSameOrderEveryTime() throws Exception {
        // The visitor sees every object, damaged ones and strays among them, once, on the listing's
        // own thread, and every listing of the same objects in the same order.
        List<ObjectId> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ids.add(store.put(ObjectMeta.pack(List.of("a" + i, "b" + i), List.of(10L, 20L)), new byte[30]));
        }
        store.flush();
        for (int i = 0; i < 300; i += 37) {
            truncate(objectFile(ids.get(i)), 10);
        }
        Files.writeString(objectFile(ids.get(5)).resolveSibling("notes.txt"), "an editor's leftover");
        List<String> walk = new java.util.ArrayList<>();
        try (var fans = Files.newDirectoryStream(dir.resolve("repo/objects"))) {
            for (Path fan : fans) {
                try (var files = Files.newDirectoryStream(fan)) {
                    for (Path f : files) {
                        String name = f.getFileName().toString();
                        walk.add(ObjectId.isValid(name) ? name : "stray " + f);
                    }
                }
            }
        }
        Thread caller = Thread.currentThread();
        List<String> first = null;

        for (int round = 0; round < 3; round++) {
            List<String> seen = new java.util.ArrayList<>();
            List<Thread> threads = new java.util.ArrayList<>();
            store.list(new ObjectVisitor() {
                @Override
                public void object(ObjectInfo info) {
                    threads.add(Thread.currentThread());
                    assertThat(info.meta().labels()).hasSize(2);
                    seen.add(info.id().value());
                }

                @Override
                public void damaged(ObjectId id, StoreException problem) {
                    threads.add(Thread.currentThread());
                    assertThat(problem.getMessage()).contains("is truncated");
                    seen.add(id.value());
                }

                @Override
                public void stray(String where, String why) {
                    threads.add(Thread.currentThread());
                    seen.add("stray " + where);
                }
            });
            assertThat(seen).as("round %d", round).containsExactlyInAnyOrderElementsOf(walk);
            if (first == null) {
                first = seen;
            }
            assertThat(seen).as("round %d", round).isEqualTo(first);
            assertThat(threads).as("the visitor is called on the listing's caller").containsOnly(caller);
        }
    }

    @Test
    void aTruncatedObjectIsNamedAsTruncatedAndTheOthersAreStillListed() throws Exception {
        List<ObjectId> ids = threeObjects();
        ObjectId pack = ids.getFirst();
        truncate(objectFile(pack), 1500); // into the body: the metadata at the end is gone

        Listing l = listing();
        assertThat(l.objects()).containsExactlyInAnyOrderElementsOf(ids.subList(1, 3));
        assertThat(l.damaged()).containsOnlyKeys(pack);
        assertThat(l.damaged().get(pack)).contains("object " + pack + " in " + dir.resolve("repo"))
                .contains("is truncated: it has 1500 bytes, its header promises");
        assertThat(l.strays()).isEmpty();
        assertThatThrownBy(() -> store.get(pack)).isInstanceOf(StoreException.Corrupt.class)
                .hasMessageContaining("is truncated");
        assertThat(store.findLabel("p2")).as("a damaged object is not offered by a label search").isEmpty();
    }

    @Test
    void anEmptyObjectIsNamedAsEmpty() throws Exception {
        List<ObjectId> ids = threeObjects();
        Files.write(objectFile(ids.get(1)), new byte[0]);

        Listing l = listing();
        assertThat(l.objects()).containsExactlyInAnyOrder(ids.get(0), ids.get(2));
        assertThat(l.damaged()).containsOnlyKeys(ids.get(1));
        assertThat(l.damaged().get(ids.get(1))).contains("object " + ids.get(1)).contains("is empty");
    }

    @Test
    void aFileInAnObjectsPlaceThatIsNoObjectFileIsNamedSo() throws Exception {
        List<ObjectId> ids = threeObjects();
        Files.writeString(objectFile(ids.get(2)), "an editor saved this over the object, or a bad copy did\n");
        Path tiny = objectFile(ids.get(1));
        Files.writeString(tiny, "hi\n");

        Listing l = listing();
        assertThat(l.objects()).containsExactly(ids.get(0));
        assertThat(l.damaged().get(ids.get(2))).contains("object " + ids.get(2)).contains("is not an Obnam object file");
        assertThat(l.damaged().get(ids.get(1))).contains("object " + ids.get(1))
                .contains("is truncated: it has 3 bytes, less than an object header");
    }

    @Test
    void strayFilesAreReportedByPathAndNeverTakenForObjects() throws Exception {
        List<ObjectId> ids = threeObjects();
        Path objects = dir.resolve("repo/objects");
        ObjectId elsewhere = ObjectId.random();
        String wrongFan = elsewhere.value().startsWith("00") ? "01" : "00";
        Files.createDirectories(objects.resolve(wrongFan));
        Path junk = objects.resolve(wrongFan).resolve("junk");
        Files.writeString(junk, "hi\n");
        Path swap = objects.resolve(ids.get(1).value().substring(0, 2)).resolve("." + ids.get(1) + ".swp");
        Files.writeString(swap, "vim was here");
        Path readme = objects.resolve("README");
        Files.writeString(readme, "do not touch");
        Path misplaced = objects.resolve(wrongFan).resolve(elsewhere.value());
        Files.copy(objectFile(ids.get(1)), misplaced); // a whole object, but where the store never looks

        Listing l = listing();
        assertThat(l.objects()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(l.damaged()).isEmpty();
        assertThat(l.strays()).containsOnlyKeys(junk.toString(), swap.toString(), readme.toString(), misplaced.toString());
        assertThat(l.strays().get(junk.toString())).isEqualTo("not in objects/ju/, where an object of that name is kept");
        assertThat(l.strays().get(swap.toString())).isEqualTo("its name is not an object id");
        assertThat(l.strays().get(readme.toString())).isEqualTo("not a fan-out directory of objects");
        assertThat(l.strays().get(misplaced.toString()))
                .isEqualTo("not in objects/" + elsewhere.value().substring(0, 2) + "/, where an object of that name is kept");

        List<ObjectInfo> all = new java.util.ArrayList<>();
        store.list(all::add);
        assertThat(all).as("stray files are not damage").extracting(ObjectInfo::id).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(Files.readString(junk)).as("a listing never touches a stray file").isEqualTo("hi\n");
    }

    @Test
    void theIndexIsRebuiltPastDamagedObjectsAndStrayFilesAndLeavesThemOut() throws Exception {
        List<ObjectId> ids = threeObjects();
        ObjectId elsewhere = ObjectId.random();
        String wrongFan = elsewhere.value().startsWith("00") ? "01" : "00";
        byte[] strayObject;
        try (DirectoryStore other = DirectoryStore.create(dir.resolve("other"))) {
            ObjectId id = other.put(ObjectMeta.single("stray-label"), new byte[10]);
            strayObject = Files.readAllBytes(dir.resolve("other/objects").resolve(id.value().substring(0, 2)).resolve(id.value()));
        }
        store.close();
        store = null;
        truncate(objectFile(ids.get(0)), 1500);
        Files.write(objectFile(ids.get(1)), new byte[0]);
        Files.createDirectories(dir.resolve("repo/objects").resolve(wrongFan));
        Files.writeString(dir.resolve("repo/objects").resolve(wrongFan).resolve("junk"), "hi\n");
        Files.write(dir.resolve("repo/objects").resolve(wrongFan).resolve(elsewhere.value()), strayObject);
        for (String f : List.of("index.sqlite", "index.sqlite-wal", "index.sqlite-shm")) {
            Files.deleteIfExists(dir.resolve("repo").resolve(f));
        }

        store = reopen();
        assertThat(store.findLabels(List.of("p1", "p2", "p3", "one", "two", "stray-label"))).containsOnlyKeys("two");
        ((DirectoryStore) store).rebuildIndex();
        assertThat(store.findLabels(List.of("p1", "one", "two", "stray-label"))).containsOnlyKeys("two");
        assertThat(Files.exists(objectFile(ids.get(0)))).as("nothing is deleted because it could not be read").isTrue();
        assertThat(Files.exists(objectFile(ids.get(1)))).isTrue();
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
