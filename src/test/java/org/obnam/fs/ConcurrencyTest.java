package org.obnam.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-thread scratch buffers must keep concurrent calls on different handles apart. */
class ConcurrencyTest {
    @TempDir
    Path tmp;

    @Test
    void manyThreadsStatAndReadDifferentFiles() throws Exception {
        int files = 16;
        RawPath top = RawPath.ofUtf8(tmp.toString());
        try (Dir dir = Dir.open(top)) {
            for (int i = 0; i < files; i++) {
                byte[] content = new byte[1000 + i * 777];
                java.util.Arrays.fill(content, (byte) i);
                try (OpenFile f = dir.createFile(RawName.ofUtf8("f" + i), 0644)) {
                    f.write(content, 0, content.length);
                }
            }
        }
        for (ExecutorService pool : List.of(Executors.newFixedThreadPool(8), Executors.newVirtualThreadPerTaskExecutor())) {
            try (pool) {
                List<Future<?>> results = new ArrayList<>();
                for (int t = 0; t < 32; t++) {
                    int seed = t;
                    results.add(pool.submit(() -> {
                        try (Dir dir = Dir.open(top)) {
                            for (int round = 0; round < 200; round++) {
                                int i = (seed * 7 + round) % files;
                                RawName name = RawName.ofUtf8("f" + i);
                                assertThat(dir.lstat(name).size()).isEqualTo(1000 + i * 777);
                                try (OpenFile f = dir.openRead(name)) {
                                    byte[] back = new byte[5000 + 16 * 777];
                                    int n = f.read(back, 0, back.length);
                                    assertThat(n).isEqualTo(1000 + i * 777);
                                    for (int k = 0; k < n; k++) {
                                        if (back[k] != (byte) i) {
                                            throw new AssertionError("wrong byte in f" + i + " at " + k);
                                        }
                                    }
                                }
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> r : results) {
                    r.get();
                }
            }
        }
    }

    @Test
    void errnoIsPerThread() throws Exception {
        RawPath top = RawPath.ofUtf8(tmp.toString());
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                boolean missing = t % 2 == 0;
                results.add(pool.submit(() -> {
                    int failures = 0;
                    try (Dir dir = Dir.open(top)) {
                        for (int i = 0; i < 500; i++) {
                            try {
                                if (missing) {
                                    dir.lstat(RawName.ofUtf8("absent"));
                                } else {
                                    dir.openDir(RawName.ofUtf8("absent-too")).close();
                                }
                            } catch (ErrnoException e) {
                                if (e.errno() != ErrnoException.ENOENT) {
                                    throw new AssertionError(e);
                                }
                                failures++;
                            }
                        }
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                    return failures;
                }));
            }
            for (Future<Integer> r : results) {
                assertThat(r.get()).isEqualTo(500);
            }
        }
    }
}
