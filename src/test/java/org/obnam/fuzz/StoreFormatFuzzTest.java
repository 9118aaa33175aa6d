package org.obnam.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.obnam.store.DirectoryStore;
import org.obnam.store.ObjectId;
import org.obnam.store.ObjectInfo;
import org.obnam.store.ObjectMeta;
import org.obnam.store.ObjectVisitor;
import org.obnam.store.StoreException;

/** Damaged object and record files in a directory store: every read fails with a store error, or succeeds intact. */
class StoreFormatFuzzTest {
    private static Path dir;
    private static DirectoryStore store;
    private static ObjectId id;
    private static Path objectFile;
    private static byte[] original;
    private static final byte[] BODY = "a body of some length that is stored in the object file".getBytes();

    @BeforeContainer
    static void setUp() throws Exception {
        dir = Files.createTempDirectory("obnam-fuzz-store");
        store = DirectoryStore.create(dir.resolve("repo"));
        id = store.put(ObjectMeta.pack(java.util.List.of("a", "b"), java.util.List.of(10L, 20L)), BODY);
        store.compareAndSetRecord("rec", 0, "record body".getBytes());
        try (var files = Files.walk(dir.resolve("repo/objects"))) {
            objectFile = files.filter(Files::isRegularFile).findFirst().orElseThrow();
        }
        original = Files.readAllBytes(objectFile);
    }

    @AfterContainer
    static void tearDown() throws Exception {
        store.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Property
    void damagedObjectFilesAreRefused(@ForAll @IntRange(min = 0, max = 10_000) int position,
            @ForAll @IntRange(min = 1, max = 255) int xor, @ForAll boolean truncate) throws Exception {
        byte[] damaged = original.clone();
        int p = position % damaged.length;
        if (truncate) {
            damaged = java.util.Arrays.copyOf(damaged, p);
        } else {
            damaged[p] ^= (byte) xor;
        }
        Files.write(objectFile, damaged);
        try {
            store.get(id);
            throw new AssertionError("damaged object was returned");
        } catch (StoreException.Corrupt expected) {
            // detected
        } finally {
            Files.write(objectFile, original);
        }
        assertThat(store.get(id).body()).isEqualTo(BODY);
    }

    @Property
    void randomFilesAreNeverObjects(@ForAll @Size(max = 500) byte[] junk) throws Exception {
        Files.write(objectFile, junk);
        try {
            store.get(id);
            throw new AssertionError("junk was returned as an object");
        } catch (StoreException.Corrupt expected) {
            // detected
        } finally {
            Files.write(objectFile, original);
        }
    }

    @Property
    void noObjectFileEndsAListing(@ForAll @Size(max = 500) byte[] junk, @ForAll @IntRange(min = 0, max = 10_000) int cut)
            throws Exception {
        // Junk, or the object cut short anywhere: the listing names the object (readable or damaged) and goes on.
        Files.write(objectFile, junk.length > 0 ? junk : java.util.Arrays.copyOf(original, cut % original.length));
        try {
            java.util.List<ObjectId> seen = new java.util.ArrayList<>();
            store.list(new ObjectVisitor() {
                @Override
                public void object(ObjectInfo info) {
                    seen.add(info.id());
                }

                @Override
                public void damaged(ObjectId damaged, StoreException problem) {
                    assertThat(problem).hasMessageContaining(damaged.value());
                    seen.add(damaged);
                }
            });
            assertThat(seen).containsExactly(id);
        } finally {
            Files.write(objectFile, original);
        }
    }

    @Property
    void damagedRecordsAreRefused(@ForAll @IntRange(min = 0, max = 1000) int position, @ForAll @IntRange(min = 1, max = 255) int xor)
            throws Exception {
        Path rec = dir.resolve("repo/records/rec");
        byte[] good = Files.readAllBytes(rec);
        byte[] bad = good.clone();
        bad[position % bad.length] ^= (byte) xor;
        Files.write(rec, bad);
        try {
            store.getRecord("rec");
            throw new AssertionError("damaged record was returned");
        } catch (StoreException.Corrupt expected) {
            // detected
        } finally {
            Files.write(rec, good);
        }
    }
}
