package org.obnam.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Small test trees of random files, and comparing a live tree with its restored copy. */
final class Trees {
    private Trees() {}

    /** {@code files} files of up to {@code maxBytes} random bytes each (seeded), in a few directories. */
    static Path make(Path root, long seed, int files, int maxBytes) {
        Random r = new Random(seed);
        try {
            Files.createDirectories(root);
            for (int i = 0; i < files; i++) {
                byte[] data = new byte[r.nextInt(maxBytes + 1)];
                r.nextBytes(data);
                write(root.resolve("d" + i % 4).resolve("f" + i), data);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return root;
    }

    static void write(Path file, byte[] data) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] random(long seed, int size) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    /** Where {@code obnam restore GEN target} puts the absolute root {@code live}. */
    static Path restored(Path target, Path live) {
        return target.resolve(live.toAbsolutePath().toString().substring(1));
    }

    /** Every regular file and directory under {@code root} by relative path; files map to their bytes. */
    static Map<String, byte[]> snapshot(Path root) {
        Map<String, byte[]> all = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String rel = root.relativize(p).toString();
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    all.put(rel, Files.readAllBytes(p));
                } else {
                    all.put(rel + "/", new byte[0]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all;
    }

    /** The restored tree holds exactly the live tree's files and directories, byte for byte. */
    static void assertSame(Path live, Path restored) {
        Map<String, byte[]> a = snapshot(live);
        Map<String, byte[]> b = snapshot(restored);
        assertThat(b.keySet()).as("entries restored from %s", live).containsExactlyElementsOf(a.keySet());
        for (String k : a.keySet()) {
            assertThat(Arrays.equals(a.get(k), b.get(k))).as("content of %s in %s", k, restored).isTrue();
        }
    }
}
