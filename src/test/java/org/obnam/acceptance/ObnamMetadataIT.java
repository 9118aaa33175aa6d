package org.obnam.acceptance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.fs.FileType;
import org.obnam.testing.Manifest;
import org.obnam.testing.Obnam;
import org.obnam.testing.Python;
import org.obnam.testing.TestUsers;
import org.obnam.testing.Tree;

/**
 * What a backup records and restores (DESIGN section 3), one kind of metadata per scenario so a
 * failure says what broke: times, modes, symlinks, special files, hard links, sparse files,
 * extended attributes, devices and ownership. Each compares full manifests of the live and
 * restored trees, and checks the point of the scenario independently of the manifest code too.
 */
class ObnamMetadataIT {
    @TempDir
    Path dir;

    private Obnam obnam;
    private Tree live;

    @BeforeEach
    void setUp() {
        obnam = Obnam.in(dir);
        live = Tree.at(dir.resolve("live"));
        obnam.configure("roots: [live]");
    }

    /** Backs up live, restores the new generation into rest, and returns the restored root. */
    private Path backUpAndRestore() {
        obnam.initialised();
        String gen = obnam.backup().generationId();
        obnam.ok("restore", gen, "rest");
        return dir.resolve("rest/live");
    }

    private static FileTime mtime(Path p) throws Exception {
        return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void modificationTimeIsRestored() throws Exception {
        live.randomFile("data.dat", 5000);
        live.mtime("data.dat", 1_000_000_000, 0);
        Manifest before = Manifest.of(live.root());

        Path rest = backUpAndRestore();

        assertThat(Manifest.of(rest)).isEqualTo(before);
        assertThat(mtime(rest.resolve("data.dat"))).isEqualTo(FileTime.from(Instant.ofEpochSecond(1_000_000_000)));
    }

    @Test
    void modeBitsAreRestored() throws Exception {
        live.randomFile("data.dat", 5000);
        live.mode("data.dat", 0464);
        live.randomFile("setuid", 100);
        live.mode("setuid", 04755);
        live.randomFile("setgid", 100);
        live.mode("setgid", 02711);
        live.dir("sticky");
        live.mode("sticky", 01777);
        live.dir("private");
        live.mode("private", 0700);
        Manifest before = Manifest.of(live.root());

        Path rest = backUpAndRestore();

        assertThat(Manifest.of(rest)).isEqualTo(before);
        assertThat(Files.getAttribute(rest.resolve("data.dat"), "unix:mode", LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(0100464);
        assertThat(Files.getAttribute(rest.resolve("setuid"), "unix:mode", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0104755);
        assertThat(Files.getAttribute(rest.resolve("sticky"), "unix:mode", LinkOption.NOFOLLOW_LINKS)).isEqualTo(041777);
    }

    @Test
    void symbolicLinksAreRestoredIncludingBrokenOnes() {
        live.randomFile("data.dat", 5000);
        live.symlink("link", "data.dat");
        live.symlink("broken", "does-not-exist");
        live.symlink("absolute", "/nonexistent/absolute/target");
        live.symlink("dirlink", ".");
        Manifest before = Manifest.of(live.root());

        Path rest = backUpAndRestore();

        assertThat(Manifest.of(rest)).isEqualTo(before);
        assertThat(Python.readlink(rest.resolve("broken"))).isEqualTo("does-not-exist".getBytes(StandardCharsets.UTF_8));
        assertThat(Python.readlink(rest.resolve("absolute"))).isEqualTo("/nonexistent/absolute/target".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.isSymbolicLink(rest.resolve("link"))).isTrue();
    }

    @Test
    void nanosecondModificationTimesOfFilesDirectoriesAndSymlinksAreRestored() throws Exception {
        live.randomFile("sub/data.dat", 5000);
        live.symlink("sub/link", "data.dat");
        live.mtime("sub/data.dat", 1_234_567_890, 123_456_789);
        live.mtime("sub/link", 1_111_111_111, 987_654_321);
        live.mtime("sub", 1_300_000_000, 1);
        live.mtime("", 1_400_000_000, 999_999_999);
        Manifest before = Manifest.of(live.root());

        Path rest = backUpAndRestore();

        assertThat(Manifest.of(rest)).isEqualTo(before);
        assertThat(mtime(rest.resolve("sub/data.dat"))).isEqualTo(FileTime.from(Instant.ofEpochSecond(1_234_567_890, 123_456_789)));
        assertThat(mtime(rest.resolve("sub/link"))).isEqualTo(FileTime.from(Instant.ofEpochSecond(1_111_111_111, 987_654_321)));
        assertThat(mtime(rest.resolve("sub"))).isEqualTo(FileTime.from(Instant.ofEpochSecond(1_300_000_000, 1)));
        assertThat(mtime(rest)).isEqualTo(FileTime.from(Instant.ofEpochSecond(1_400_000_000, 999_999_999)));
    }

    @Test
    void unixSocketsAndNamedPipesAreRestored() throws Exception {
        live.randomFile("data.dat", 1000);
        live.socket("socket");
        live.fifo("pipe");
        Manifest before = Manifest.of(live.root());

        Path rest = backUpAndRestore();

        assertThat(Manifest.of(rest)).isEqualTo(before);
        assertThat(Files.readAttributes(rest.resolve("socket"), "unix:mode", LinkOption.NOFOLLOW_LINKS).get("mode"))
                .matches(m -> ((Integer) m & 0170000) == 0140000, "is a socket");
        assertThat(Files.readAttributes(rest.resolve("pipe"), "unix:mode", LinkOption.NOFOLLOW_LINKS).get("mode"))
                .matches(m -> ((Integer) m & 0170000) == 0010000, "is a FIFO");
    }

    @Test
    void hardLinksAreRestoredAsHardLinks() throws Exception {
        live.randomFile("a.dat", 20_000);
        live.hardLink("sub/b.dat", "a.dat");
        live.hardLink("c.dat", "a.dat");
        live.randomFile("alone.dat", 1000);
        Manifest before = Manifest.of(live.root());
        assertThat(before.entry("a.dat")).contains("hardlinks=[a.dat, c.dat, sub/b.dat]");

        Path rest = backUpAndRestore();

        assertThat(Manifest.of(rest)).isEqualTo(before);
        Object inode = Files.getAttribute(rest.resolve("a.dat"), "unix:ino", LinkOption.NOFOLLOW_LINKS);
        assertThat(Files.getAttribute(rest.resolve("sub/b.dat"), "unix:ino", LinkOption.NOFOLLOW_LINKS)).isEqualTo(inode);
        assertThat(Files.getAttribute(rest.resolve("c.dat"), "unix:ino", LinkOption.NOFOLLOW_LINKS)).isEqualTo(inode);
        assertThat(Files.getAttribute(rest.resolve("a.dat"), "unix:nlink", LinkOption.NOFOLLOW_LINKS)).isEqualTo(3);
        assertThat(Files.getAttribute(rest.resolve("alone.dat"), "unix:nlink", LinkOption.NOFOLLOW_LINKS)).isEqualTo(1);
    }

    @Test
    void sparseFileIsRestoredSparse() throws Exception {
        long size = 16L << 20;
        byte[] data = Tree.randomBytes(8192);
        live.sparseFile("sparse.img", size, 4L << 20, data);
        live.randomFile("dense.dat", 1000);
        assumeTrue(Python.allocatedBlocks(live.path("sparse.img")) * 512 < size / 4,
                "the file system under " + dir + " does not make sparse files, so sparseness cannot be tested here");
        Manifest before = Manifest.of(live.root());

        Path rest = backUpAndRestore();

        assertThat(Manifest.of(rest)).isEqualTo(before);
        assertThat(Files.size(rest.resolve("sparse.img"))).isEqualTo(size);
        assertThat(Python.allocatedBlocks(rest.resolve("sparse.img")) * 512)
                .as("bytes allocated to the restored 16 MiB file holding 8 KiB of data")
                .isLessThan(size / 4);
    }

    @Test
    void userExtendedAttributesAreRestored() {
        live.randomFile("data.dat", 1000);
        live.dir("sub");
        byte[] binary = {(byte) 0xff, 0, (byte) 0xfe, 'x'};
        boolean supported = Python.setXattr(live.path("data.dat"), "user.comment", "hello".getBytes(StandardCharsets.UTF_8));
        assumeTrue(supported, "the file system under " + dir + " has no user extended attributes");
        Python.setXattr(live.path("data.dat"), "user.binary", binary);
        Python.setXattr(live.path("sub"), "user.dir", "on a directory".getBytes(StandardCharsets.UTF_8));
        Manifest before = Manifest.of(live.root());

        Path rest = backUpAndRestore();

        assertThat(Manifest.of(rest)).isEqualTo(before);
        assertThat(Python.getXattr(rest.resolve("data.dat"), "user.comment")).hasValue("hello".getBytes(StandardCharsets.UTF_8));
        assertThat(Python.getXattr(rest.resolve("data.dat"), "user.binary")).hasValue(binary);
        assertThat(Python.getXattr(rest.resolve("sub"), "user.dir"))
                .hasValue("on a directory".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void symlinksKeepTheirExtendedAttributes() {
        assumeTrue(TestUsers.runningAsRoot(), "trusted.* attributes need root, and Linux allows no user.* on a symlink");
        live.randomFile("data.dat", 100);
        live.symlink("link", "data.dat");
        byte[] label = "system_u:object_r:like_a_label".getBytes(StandardCharsets.UTF_8);
        assumeTrue(Python.setXattr(live.path("link"), "trusted.obnam-test", label),
                "the file system under " + dir + " has no trusted extended attributes");

        Path rest = backUpAndRestore();

        assertThat(Python.getXattr(rest.resolve("link"), "trusted.obnam-test")).hasValue(label);
        assertThat(Python.getXattr(rest.resolve("data.dat"), "trusted.obnam-test")).as("set on the link, not its target")
                .isEmpty();
    }

    @Test
    void deviceNodesAreRestoredWhenRunningAsRoot() throws Exception {
        assumeTrue(TestUsers.runningAsRoot(), "creating device nodes needs root");
        live.device("null-like", FileType.CHAR_DEVICE, 1, 3);
        live.device("loop-like", FileType.BLOCK_DEVICE, 7, 200);
        live.randomFile("data.dat", 1000);
        Manifest before = Manifest.of(live.root());

        Path rest = backUpAndRestore();

        assertThat(Manifest.of(rest)).isEqualTo(before);
        assertThat(before.entry("null-like")).contains("CHAR_DEVICE").contains("rdev=1:3");
        assertThat(Files.getAttribute(rest.resolve("null-like"), "unix:rdev", LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(Files.getAttribute(live.path("null-like"), "unix:rdev", LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void ownershipIsRestoredWhenRunningAsRoot() throws Exception {
        assumeTrue(TestUsers.runningAsRoot(), "changing a file's owner needs root");
        live.randomFile("owned.dat", 1000);
        live.chown("owned.dat", 1234, 5678);
        live.dir("dir");
        live.chown("dir", 2345, 6789);
        live.symlink("link", "owned.dat");
        live.chown("link", 4321, 8765);
        Manifest before = Manifest.of(live.root());

        Path rest = backUpAndRestore();

        assertThat(Manifest.of(rest)).isEqualTo(before);
        assertThat(Files.getAttribute(rest.resolve("owned.dat"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(1234);
        assertThat(Files.getAttribute(rest.resolve("owned.dat"), "unix:gid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(5678);
        assertThat(Files.getAttribute(rest.resolve("dir"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(2345);
        assertThat(Files.getAttribute(rest.resolve("link"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(4321);
        assertThat(Files.getAttribute(rest.resolve("link"), "unix:gid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(8765);
    }

    @Test
    void filesOfEverySizeAndEmptyDirectoriesAreRestoredIntact() {
        obnam.configure("""
                roots: [live]
                chunk_size: 65536
                """);
        live.file("empty.dat", new byte[0]);
        live.file("one-byte.dat", "x");
        live.randomFile("big.dat", 3 << 20);
        live.file("repetitive.txt", "all work and no play\n".repeat(50_000));
        live.dir("empty-dir");
        live.dir("a/b/c/d");
        Manifest before = Manifest.of(live.root());

        Path rest = backUpAndRestore();

        assertThat(Manifest.of(rest)).isEqualTo(before);
        assertThat(rest.resolve("a/b/c/d")).isEmptyDirectory();
        assertThat(rest.resolve("empty.dat")).isEmptyFile();
    }
}
