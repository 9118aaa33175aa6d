package org.obnam.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DirectoryStore's extras for the server: info() without reading the body, and the paged listing. */
class DirectoryStorePagingTest {
    @TempDir
    Path dir;

    DirectoryStore store;

    @BeforeEach
    void open() throws Exception {
        store = DirectoryStore.create(dir.resolve("repo"));
    }

    @AfterEach
    void close() throws Exception {
        store.close();
    }

    private record Page(List<ObjectInfo> objects, List<ObjectId> damaged, ObjectId next) {}

    private Page page(ObjectId after, int limit) throws StoreException {
        List<ObjectInfo> objects = new ArrayList<>();
        List<ObjectId> damaged = new ArrayList<>();
        ObjectId next = store.listPage(after, limit, new ObjectVisitor() {
            @Override
            public void object(ObjectInfo info) {
                objects.add(info);
            }

            @Override
            public void damaged(ObjectId id, StoreException problem) {
                damaged.add(id);
            }
        });
        return new Page(objects, damaged, next);
    }

    @Test
    void infoGivesMetadataAndSize() throws Exception {
        ObjectId id = store.put(ObjectMeta.pack(List.of("a", "b"), List.of(3L, 4L)), new byte[7]);
        ObjectInfo info = store.info(id);
        assertThat(info.size()).isEqualTo(7);
        assertThat(info.meta().labels()).containsExactly("a", "b");
        assertThatThrownBy(() -> store.info(ObjectId.random())).isInstanceOf(StoreException.NotFound.class);
    }

    @Test
    void pagesVisitEveryObjectOnceInIdOrder() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            ids.add(store.put(ObjectMeta.single("l" + i), new byte[i]).value());
        }
        ids.sort(null);
        List<String> seen = new ArrayList<>();
        ObjectId after = null;
        for (int pages = 0; pages < 100; pages++) {
            Page p = page(after, 5);
            p.objects().forEach(o -> seen.add(o.id().value()));
            after = p.next();
            if (after == null) {
                break;
            }
        }
        assertThat(seen).isEqualTo(ids);
    }

    @Test
    void emptyStoreHasOneEmptyPage() throws Exception {
        Page p = page(null, 10);
        assertThat(p.objects()).isEmpty();
        assertThat(p.next()).isNull();
    }

    @Test
    void shortIdsFromOtherWritersAreListedInOrderToo() throws Exception {
        // Ids are opaque: a store may hold ids of one character (kept in "_x" fan-out directories).
        ObjectId id = store.put(ObjectMeta.single("x"), new byte[1]);
        Path file = Files.walk(dir.resolve("repo/objects")).filter(Files::isRegularFile).findFirst().orElseThrow();
        Files.createDirectories(dir.resolve("repo/objects/_Z"));
        Files.copy(file, dir.resolve("repo/objects/_Z/Z"));
        List<String> expected = new ArrayList<>(List.of("Z", id.value()));
        expected.sort(null);
        assertThat(page(null, 10).objects()).extracting(o -> o.id().value()).isEqualTo(expected);
        assertThat(page(new ObjectId(expected.getFirst()), 10).objects()).extracting(o -> o.id().value())
                .containsExactly(expected.getLast());
    }

    @Test
    void aStrayFileWithAnObjectsNameInTheWrongPlaceDoesNotMakePagesSkipObjects() throws Exception {
        // objects/00/ffff is not where object ffff would be; a page that ended with it once made the
        // next page start after "ffff", skipping every object between.
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ids.add(store.put(ObjectMeta.single("s" + i), new byte[i]).value());
        }
        ids.sort(null);
        Files.createDirectories(dir.resolve("repo/objects/00"));
        Files.writeString(dir.resolve("repo/objects/00/ffff"), "hi\n");
        Files.writeString(dir.resolve("repo/objects/00/junk"), "hi\n");
        List<String> seen = new ArrayList<>();
        ObjectId after = null;
        for (int pages = 0; pages < 100; pages++) {
            Page p = page(after, 1);
            p.objects().forEach(o -> seen.add(o.id().value()));
            assertThat(p.damaged()).isEmpty();
            after = p.next();
            if (after == null) {
                break;
            }
        }
        assertThat(seen).isEqualTo(ids);
    }

    @Test
    void damagedObjectIsReportedAndDoesNotEndTheListing() throws Exception {
        ObjectId good = store.put(ObjectMeta.single("good"), new byte[10]);
        ObjectId bad = store.put(ObjectMeta.single("bad"), new byte[10]);
        Path badFile = Files.walk(dir.resolve("repo/objects")).filter(p -> p.getFileName().toString().equals(bad.value()))
                .findFirst().orElseThrow();
        Files.write(badFile, new byte[3]);
        Page p = page(null, 10);
        assertThat(p.objects()).extracting(ObjectInfo::id).containsExactly(good);
        assertThat(p.damaged()).containsExactly(bad);
    }
}
