package org.obnam.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirTest {
    @TempDir
    Path tmp;

    private static RawName n(String s) {
        return RawName.ofUtf8(s);
    }

    @Test
    void listingTwoThousandEntriesReturnsExactlyThem() throws IOException {
        Set<RawName> expected = new HashSet<>();
        try (Dir top = Dir.open(RawPath.ofUtf8(tmp.toString())); Dir dir = top.createDir(n("many"), 0755)) {
            for (int i = 0; i < 2000; i++) {
                // Long names with raw bytes, so the listing needs several getdents64 calls.
                byte[] prefix = ("entry-%04d-".formatted(i) + "x".repeat(40)).getBytes();
                byte[] name = java.util.Arrays.copyOf(prefix, prefix.length + 2);
                name[prefix.length] = (byte) 0xff;
                name[prefix.length + 1] = (byte) (0x80 | (i & 0x7f));
                RawName raw = RawName.of(name);
                expected.add(raw);
                if (i % 2 == 0) {
                    dir.mknod(raw, FileType.REGULAR, 0644, 0, 0);
                } else {
                    dir.createDir(raw, 0755).close();
                }
            }
            List<RawName> listed = dir.list();
            assertThat(listed).hasSize(2000).containsExactlyInAnyOrderElementsOf(expected);
            // A second listing of the same handle starts again from the beginning.
            assertThat(dir.list()).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(dir.stat().nlink()).isEqualTo(2 + 1000);
            // The listing's types, where the file system gives them (ext4 and tmpfs do): only the
            // regular files are marked, which lets a backup open them without a stat first.
            for (Dir.Listed e : dir.entries()) {
                byte[] raw = e.name().raw();
                int i = raw[raw.length - 1] & 0x7f;
                assertThat(e.regularFile()).as(e.name().toString()).isEqualTo(i % 2 == 0);
            }
        }
    }

    @Test
    void lstatReportsWhatTheJdkSeesForEveryField() throws Exception {
        // Sizes and times past 32 bits, nanoseconds and setuid bits catch a field decoded from the
        // wrong offset, with the wrong width or with the wrong sign.
        Path file = tmp.resolve("big");
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}), (5L << 32) + 17);
        }
        java.nio.file.Files.setLastModifiedTime(file,
                java.nio.file.attribute.FileTime.from(java.time.Instant.ofEpochSecond(5_000_000_000L, 123_456_789)));
        java.nio.file.Files.setAttribute(file, "unix:mode", 04751);
        try (Dir dir = Dir.open(RawPath.ofUtf8(tmp.toString()))) {
            FileStat st = dir.lstat(n("big"));
            var unix = java.nio.file.Files.readAttributes(file, "unix:*", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            assertThat(st.type()).isEqualTo(FileType.REGULAR);
            assertThat(st.permissions()).isEqualTo(04751);
            assertThat(st.size()).isEqualTo((5L << 32) + 20);
            assertThat(st.inode()).isEqualTo(((Number) unix.get("ino")).longValue());
            assertThat(st.nlink()).isEqualTo(((Number) unix.get("nlink")).longValue());
            assertThat(st.uid()).isEqualTo(((Number) unix.get("uid")).longValue());
            assertThat(st.gid()).isEqualTo(((Number) unix.get("gid")).longValue());
            assertThat(st.mtime()).isEqualTo(new Timespec(5_000_000_000L, 123_456_789));
            var ctime = ((java.nio.file.attribute.FileTime) unix.get("ctime")).toInstant();
            assertThat(st.ctime()).isEqualTo(new Timespec(ctime.getEpochSecond(), ctime.getNano()));
            long dev = ((Number) unix.get("dev")).longValue();
            assertThat(StatLayout.makedev(st.deviceMajor(), st.deviceMinor())).isEqualTo(dev);
            assertThat(st.blocks() * 512).isLessThan(st.size()); // sparse: the hole is not stored
        }
    }

    @Test
    void emptyDirectoryListsNothing() throws IOException {
        try (Dir dir = Dir.open(RawPath.ofUtf8(tmp.toString()))) {
            assertThat(dir.list()).isEmpty();
            assertThat(dir.stat().type()).isEqualTo(FileType.DIRECTORY);
        }
    }

    @Test
    void entriesCanBeRenamedRemovedAndFsynced() throws IOException {
        try (Dir dir = Dir.open(RawPath.ofUtf8(tmp.toString()))) {
            dir.createFile(n("tmp"), 0600).close();
            dir.rename(n("tmp"), n("final"));
            try (Dir sub = dir.createDir(n("sub"), 0755)) {
                dir.rename(n("final"), sub, n("moved"));
                assertThat(sub.list()).containsExactly(n("moved"));
                sub.unlink(n("moved"));
                sub.fsync();
            }
            dir.removeDir(n("sub"));
            dir.fsync();
            assertThat(dir.list()).isEmpty();
        }
    }

    @Test
    void pathsLongerThanPathMaxWork() throws IOException {
        RawName segment = RawName.ofUtf8("d".repeat(200));
        List<Dir> opened = new ArrayList<>();
        RawPath deep = RawPath.ofUtf8(tmp.toString());
        try (Dir top = Dir.open(deep)) {
            Dir current = top;
            for (int i = 0; i < 30; i++) {
                current = current.createDir(segment, 0755);
                opened.add(current);
                deep = deep.resolve(segment);
            }
            assertThat(deep.bytes().length).isGreaterThan(6000);
            current.createFile(n("leaf"), 0644).close();
            current.setXattr(n("leaf"), "user.deep".getBytes(), "yes".getBytes());
            try (Dir reopened = Dir.open(deep)) {
                assertThat(reopened.list()).containsExactly(n("leaf"));
                assertThat(reopened.xattrs(n("leaf"))).containsExactly(new Xattr("user.deep".getBytes(), "yes".getBytes()));
                assertThat(reopened.path()).isEqualTo(deep);
            }
            // Clean up through the layer: java.nio cannot delete paths beyond PATH_MAX.
            current.unlink(n("leaf"));
            for (int i = opened.size() - 1; i >= 0; i--) {
                opened.get(i).close();
                (i == 0 ? top : opened.get(i - 1)).removeDir(segment);
            }
        }
    }

    @Test
    void createNewFileMakesAFileOnlyWhereTheNameIsFree() throws IOException {
        try (Dir top = Dir.open(RawPath.ofUtf8(tmp.toString()))) {
            try (OpenFile f = top.createNewFile(n("new"), 0600)) {
                assertThat(f).isNotNull();
                f.write(new byte[] {1, 2, 3}, 0, 3);
            }
            assertThat(top.createNewFile(n("new"), 0600)).isNull();
            assertThat(top.lstat(n("new")).size()).isEqualTo(3); // not truncated
            top.symlink("nowhere".getBytes(), n("dangling"));
            assertThat(top.createNewFile(n("dangling"), 0600)).isNull(); // never follows it
            assertThat(tmp.resolve("nowhere")).doesNotExist();
        }
    }

    @Test
    void ownXattrsOfADirectory() throws IOException {
        try (Dir top = Dir.open(RawPath.ofUtf8(tmp.toString()))) {
            top.createDir(n("sub"), 0755).close();
            top.setXattr(n("sub"), "user.a".getBytes(), new byte[] {(byte) 0xff});
            try (Dir sub = top.openDir(n("sub"))) {
                assertThat(sub.xattrs()).containsExactly(new Xattr("user.a".getBytes(), new byte[] {(byte) 0xff}));
            }
        }
    }

    @Test
    void xattrsOfSymlinksAndFifosAreEmpty() throws IOException {
        try (Dir top = Dir.open(RawPath.ofUtf8(tmp.toString()))) {
            top.symlink("nowhere".getBytes(), n("link"));
            top.mkfifo(n("fifo"), 0600);
            assertThat(top.xattrs(n("link"))).isEmpty();
            assertThat(top.xattrs(n("fifo"))).isEmpty();
        }
    }

    @Test
    void largeXattrValue() throws IOException {
        byte[] value = new byte[3000];
        new java.util.Random(3).nextBytes(value);
        try (Dir top = Dir.open(RawPath.ofUtf8(tmp.toString()))) {
            top.createFile(n("f"), 0644).close();
            top.setXattr(n("f"), "user.big".getBytes(), value);
            assertThat(top.xattrs(n("f"))).containsExactly(new Xattr("user.big".getBytes(), value));
        }
    }

    @Test
    void topDirectoryHintIsSetAndClearedAsLsattrSeesIt() throws Exception {
        Path target = java.nio.file.Files.createDirectory(tmp.resolve("target"));
        try (Dir dir = Dir.open(RawPath.ofUtf8(target.toString()))) {
            boolean changed = dir.setTopDirectoryHint(true);
            String attrs = lsattr(target);
            if (attrs == null) {
                // No inode flags here (tmpfs, for one): nothing claims to have changed.
                assertThat(changed).isFalse();
                assertThat(dir.hasTopDirectoryHint()).isFalse();
                return;
            }
            assertThat(changed).isTrue();
            assertThat(dir.hasTopDirectoryHint()).isTrue();
            assertThat(attrs).contains("T");
            // Setting what is already set changes nothing, so a caller will not clear a user's own mark.
            assertThat(dir.setTopDirectoryHint(true)).isFalse();
            assertThat(dir.setTopDirectoryHint(false)).isTrue();
            assertThat(dir.hasTopDirectoryHint()).isFalse();
            assertThat(lsattr(target)).doesNotContain("T");
        }
    }

    @Test
    void renameNoReplaceRenamesOntoAFreeNameOnlyAndNeverReplaces() throws IOException {
        try (Dir dir = Dir.open(RawPath.ofUtf8(tmp.toString()))) {
            dir.createDir(n("a"), 0755).close();
            dir.createDir(n("taken"), 0755).close();
            try (Dir taken = dir.openDir(n("taken"))) {
                taken.createDir(n("inside"), 0755).close();
            }
            dir.createDir(n("empty"), 0755).close();

            assertThat(dir.renameNoReplace(n("a"), n("taken"))).isFalse();
            // An empty directory is replaced by a plain rename; this one must keep it.
            assertThat(dir.renameNoReplace(n("a"), n("empty"))).isFalse();
            assertThat(dir.exists(n("a"))).isTrue();
            assertThat(dir.renameNoReplace(n("a"), n("b"))).isTrue();
            assertThat(dir.exists(n("a"))).isFalse();
            assertThat(dir.list()).containsExactlyInAnyOrder(n("b"), n("taken"), n("empty"));
            try (Dir taken = dir.openDir(n("taken"))) {
                assertThat(taken.list()).containsExactly(n("inside"));
            }
        }
    }

    /** The flags column of {@code lsattr -d}, or null where the file system has no inode flags. */
    static String lsattr(Path dir) throws Exception {
        Process p = new ProcessBuilder("lsattr", "-d", dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        return p.waitFor() == 0 ? out.split("\\s+")[0] : null;
    }
}
