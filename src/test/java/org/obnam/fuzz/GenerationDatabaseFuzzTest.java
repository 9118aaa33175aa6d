package org.obnam.fuzz;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.obnam.crypto.Label;
import org.obnam.fs.FileType;
import org.obnam.fs.RawPath;
import org.obnam.fs.Timespec;
import org.obnam.generation.ChunkRef;
import org.obnam.generation.Entry;
import org.obnam.generation.GenerationException;
import org.obnam.generation.GenerationReader;
import org.obnam.generation.GenerationWriter;
import org.obnam.generation.Reason;
import org.obnam.generation.SchemaVersion;
import org.obnam.store.ObjectId;

/**
 * A generation database arrives from the repository after authentication, so damage here means a
 * bug or a malicious client of the same key; still, reading it must fail cleanly, never crash.
 */
class GenerationDatabaseFuzzTest {
    private static Path dir;
    private static byte[] v0;
    private static byte[] v1;

    @BeforeContainer
    static void setUp() throws Exception {
        dir = Files.createTempDirectory("obnam-fuzz-gen");
        v0 = make(SchemaVersion.V0);
        v1 = make(SchemaVersion.V1);
    }

    private static byte[] make(SchemaVersion version) throws Exception {
        Path f = dir.resolve("valid-" + version + ".db");
        try (GenerationWriter w = GenerationWriter.create(f, version)) {
            for (int i = 0; i < 40; i++) {
                byte[] l = new byte[32];
                l[0] = (byte) i;
                w.add(new Entry(RawPath.ofUtf8("live/f" + i), FileType.REGULAR, 0644, 1, 2, "u", "g", i * 100L,
                        new Timespec(i, i), new Timespec(i, 0), i, 1, 2, 1, 0, 0, null, List.of(), null, null, Reason.NEW, false),
                        List.of(new ChunkRef(Label.of(l), new ObjectId("obj" + i), i, 10, 20)));
            }
            w.finish();
        }
        return Files.readAllBytes(f);
    }

    @AfterContainer
    static void tearDown() throws Exception {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Property
    void damagedDatabasesFailCleanly(@ForAll @IntRange(min = 0, max = 1_000_000) int position,
            @ForAll @IntRange(min = 1, max = 255) int xor, @ForAll boolean schemaOne, @ForAll @IntRange(min = 1, max = 8) int flips)
            throws Exception {
        byte[] db = (schemaOne ? v1 : v0).clone();
        for (int i = 0; i < flips; i++) {
            db[(position + i * 997) % db.length] ^= (byte) xor;
        }
        Path f = dir.resolve("damaged.db");
        Files.write(f, db);
        try (GenerationReader r = GenerationReader.open(f)) {
            r.fileCount();
            r.forEach(e -> { });
            r.lookup(RawPath.ofUtf8("live/f3"));
        } catch (GenerationException expected) {
            // a clean refusal
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
