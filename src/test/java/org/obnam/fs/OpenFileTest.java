package org.obnam.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenFileTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path tmp;

    private Dir dir;

    @BeforeEach
    void open() throws IOException {
        dir = Dir.open(RawPath.ofUtf8(tmp.toString()));
    }

    @AfterEach
    void close() {
        dir.close();
    }

    private static RawName n(String s) {
        return RawName.ofUtf8(s);
    }

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    @Test
    void readsAndWritesLargerThanTheNativeBuffer() throws IOException {
        byte[] data = random(3 * MIB + 17, 1);
        try (OpenFile f = dir.createFile(n("big"), 0644)) {
            f.write(data, 0, data.length);
        }
        try (OpenFile f = dir.openRead(n("big"))) {
            byte[] back = new byte[data.length + 100];
            assertThat(f.read(back, 50, data.length + 50)).isEqualTo(data.length);
            assertThat(Arrays.copyOfRange(back, 50, 50 + data.length)).isEqualTo(data);
            assertThat(f.read(back, 0, 10)).isEqualTo(-1);
            assertThat(f.stat().size()).isEqualTo(data.length);
        }
    }

    @Test
    void readCachedAtReadsWhatIsInThePageCacheAndRefusesToWaitForTheDisk() throws Exception {
        byte[] data = random(20_000, 3);
        try (OpenFile f = dir.createFile(n("c"), 0644)) {
            f.write(data, 0, data.length);
            f.fsync();
        }
        try (OpenFile f = dir.openRead(n("c"))) {
            byte[] back = new byte[data.length + 1];
            assertThat(f.readCachedAt(back, 0, back.length, 0)).isEqualTo(data.length); // just written: cached
            assertThat(Arrays.copyOf(back, data.length)).isEqualTo(data);
            assertThat(f.readCachedAt(back, 0, 10, data.length)).isEqualTo(-1);
            assertThat(f.readCachedAt(back, 0, 0, 0)).isZero();

            // Drop the file's pages (GNU dd's nocache flag); tmpfs has no disk to drop them to. A
            // read that must not wait still starts the kernel's readahead, and a virtual disk that
            // answers from its host's cache can bring the pages back before the read looks again
            // (seen on CI machines): then it reads the file's bytes, some or all, never anything
            // else. Dropped a few times, the pages are found missing at least once.
            Assumptions.assumeFalse(Files.getFileStore(tmp).type().equals("tmpfs"), "pages on tmpfs cannot be dropped");
            boolean foundMissing = false;
            for (int attempt = 0; attempt < 10 && !foundMissing; attempt++) {
                Process dd = new ProcessBuilder("dd", "if=" + tmp.resolve("c"), "iflag=nocache", "count=0", "status=none")
                        .inheritIO().start();
                assertThat(dd.waitFor()).isZero();
                Arrays.fill(back, (byte) 0);
                int n = f.readCachedAt(back, 0, back.length, 0);
                if (n == OpenFile.NOT_CACHED) {
                    foundMissing = true;
                } else {
                    assertThat(n).isBetween(1, data.length);
                    assertThat(Arrays.copyOf(back, n)).isEqualTo(Arrays.copyOf(data, n));
                }
            }
            Assumptions.assumeTrue(foundMissing, "every read found the pages already read back");
            assertThat(f.readAt(back, 0, back.length, 0)).isEqualTo(data.length); // a plain read waits
            assertThat(f.readCachedAt(back, 0, back.length, 0)).isEqualTo(data.length); // and caches them
            assertThat(Arrays.copyOf(back, data.length)).isEqualTo(data);
        }
    }

    @Test
    void sequentialReadsInSmallPieces() throws IOException {
        byte[] data = random(10_000, 2);
        try (OpenFile f = dir.createFile(n("f"), 0644)) {
            f.write(data, 0, 4000);
            f.write(data, 4000, 6000);
        }
        try (OpenFile f = dir.openRead(n("f"))) {
            byte[] back = new byte[data.length];
            int total = 0;
            int n;
            while ((n = f.read(back, total, Math.min(999, back.length - total))) > 0) {
                total += n;
            }
            assertThat(total).isEqualTo(data.length);
            assertThat(back).isEqualTo(data);
        }
    }

    @Test
    void positionalReadsAndWrites() throws IOException {
        byte[] data = random(5000, 3);
        try (OpenFile f = dir.createFile(n("f"), 0644)) {
            f.writeAt(data, 1000, 4000, 100);
            f.writeAt(data, 0, 100, 0);
            assertThat(f.stat().size()).isEqualTo(4100);
        }
        try (OpenFile f = dir.openRead(n("f"))) {
            byte[] back = new byte[200];
            assertThat(f.readAt(back, 0, 200, 50)).isEqualTo(200);
            assertThat(Arrays.copyOfRange(back, 0, 50)).isEqualTo(Arrays.copyOfRange(data, 50, 100));
            assertThat(Arrays.copyOfRange(back, 50, 200)).isEqualTo(Arrays.copyOfRange(data, 1000, 1150));
            assertThat(f.readAt(back, 0, 200, 4050)).isEqualTo(50);
            assertThat(f.readAt(back, 0, 200, 4100)).isEqualTo(-1);
            // pread does not move the sequential position.
            assertThat(f.read(back, 0, 100)).isEqualTo(100);
            assertThat(Arrays.copyOfRange(back, 0, 100)).isEqualTo(Arrays.copyOfRange(data, 0, 100));
        }
    }

    @Test
    void extentsOfDenseEmptyAndHoleOnlyFiles() throws IOException {
        byte[] data = random(20_000, 4);
        try (OpenFile f = dir.createFile(n("dense"), 0644)) {
            f.write(data, 0, data.length);
        }
        dir.createFile(n("empty"), 0644).close();
        try (OpenFile f = dir.createFile(n("holes"), 0644)) {
            f.truncate(MIB);
        }
        try (OpenFile f = dir.openRead(n("dense"))) {
            byte[] first = new byte[10];
            f.read(first, 0, 10);
            assertThat(f.dataExtents(data.length)).containsExactly(new Extent(0, data.length));
            // The sequential position survives the SEEK_DATA/SEEK_HOLE walk.
            byte[] next = new byte[10];
            f.read(next, 0, 10);
            assertThat(next).isEqualTo(Arrays.copyOfRange(data, 10, 20));
        }
        try (OpenFile f = dir.openRead(n("empty"))) {
            assertThat(f.dataExtents(0)).isEmpty();
        }
        try (OpenFile f = dir.openRead(n("holes"))) {
            assertThat(f.dataExtents(MIB)).isEmpty();
            assertThat(f.stat().blocks()).isZero();
        }
    }

    @Test
    void metadataThroughTheDescriptor() throws IOException {
        try (OpenFile f = dir.createFile(n("f"), 0600)) {
            f.chmod(0751);
            f.setXattr("user.raw\u00ff".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), new byte[] {0, 1});
            f.setTimes(new Timespec(1, 2), new Timespec(3, 999_999_999));
            if (Users.effectiveUid() == 0) {
                f.chown(42, 43);
            }
            f.fsync();
            f.adviseSequential();
            f.adviseDontNeed();
            FileStat st = f.stat();
            assertThat(st.permissions()).isEqualTo(0751);
            assertThat(st.mode()).isEqualTo(0100751);
            assertThat(st.atime()).isEqualTo(new Timespec(1, 2));
            assertThat(st.mtime()).isEqualTo(new Timespec(3, 999_999_999));
            assertThat(f.xattrs()).containsExactly(new Xattr(new byte[] {'u', 's', 'e', 'r', '.', 'r', 'a', 'w', (byte) 0xff},
                    new byte[] {0, 1}));
            if (Users.effectiveUid() == 0) {
                assertThat(st.uid()).isEqualTo(42);
                assertThat(st.gid()).isEqualTo(43);
            }
            assertThat(f.path()).isEqualTo(dir.path().resolve(n("f")));
        }
        // A null time is left alone.
        dir.setTimes(n("f"), null, new Timespec(10, 0));
        assertThat(dir.lstat(n("f")).atime()).isEqualTo(new Timespec(1, 2));
        assertThat(dir.lstat(n("f")).mtime()).isEqualTo(new Timespec(10, 0));
    }

    @Test
    void statOfAFileMatchesLstatOfItsName() throws IOException {
        byte[] data = random(12345, 5);
        try (OpenFile f = dir.createFile(n("f"), 0644)) {
            f.write(data, 0, data.length);
        }
        try (OpenFile f = dir.openRead(n("f"))) {
            FileStat viaFd = f.stat();
            FileStat viaName = dir.lstat(n("f"));
            assertThat(viaFd.inode()).isEqualTo(viaName.inode());
            assertThat(viaFd.size()).isEqualTo(12345);
            assertThat(viaFd.mtime()).isEqualTo(viaName.mtime());
            assertThat(viaFd.deviceMajor()).isEqualTo(viaName.deviceMajor());
            assertThat(viaFd.deviceMinor()).isEqualTo(viaName.deviceMinor());
        }
    }
}
