package org.obnam.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds a tree of awkward entries through the layer, copies it the way backup and restore will
 * (walk, lstat, read extents; create, write sparse, apply metadata last), and compares the two
 * trees field by field. Devices and ownership changes run only as root (as in CI).
 */
class RoundTripTest {
    private static final int MIB = 1 << 20;
    private static final boolean ROOT = Users.effectiveUid() == 0;

    @TempDir
    Path tmp;

    private Dir top;

    @BeforeEach
    void openTop() throws IOException {
        top = Dir.open(RawPath.ofUtf8(tmp.toString()));
    }

    private static byte[] b(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (byte) bytes[i];
        }
        return out;
    }

    private static RawName n(int... bytes) {
        return RawName.of(b(bytes));
    }

    private static RawName n(String s) {
        return RawName.ofUtf8(s);
    }

    private static Timespec t(long seconds, int nanos) {
        return new Timespec(seconds, nanos);
    }

    @Test
    void treeOfAwkwardEntriesSurvivesACopyThroughTheLayer() throws IOException {
        RawName rawFile = n('a', 0xff, 0xfe, 'b');
        RawName rawDir = n('d', 0xe9);
        RawName rawLink = n('l', 0xff);
        byte[] rawTarget = b('.', '.', '/', 't', 'g', 't', 0xff, 0xfe);
        RawName hardInDir = n('h', '2', 0xe9);

        try (Dir src = top.createDir(n("src"), 0755)) {
            writeFile(src, rawFile, "hello".getBytes(), 0640);
            src.setXattr(rawFile, b('u', 's', 'e', 'r', '.', 'k', 0xff), b(0xff, 0x00, 0xfe));
            src.setXattr(rawFile, b('u', 's', 'e', 'r', '.', 'e', 'm', 'p', 't', 'y'), b());
            src.setTimes(rawFile, null, t(981173106, 123456789));

            writeFile(src, n("h1"), "linked".getBytes(), 0604);
            try (Dir d = src.createDir(rawDir, 0750)) {
                byte[] random = new byte[100_000];
                new Random(1).nextBytes(random);
                writeFile(d, n("inner"), random, 0600);
                d.link(src, n("h1"), hardInDir);
                d.setTimes(n("inner"), null, t(1_000_000_000, 1));
            }
            src.setXattr(rawDir, b('u', 's', 'e', 'r', '.', 'n', 0xff), "hi".getBytes());

            src.symlink(rawTarget, rawLink);
            src.setTimes(rawLink, null, t(1_234_567_890, 987_654_321));
            src.mkfifo(n('f', 'i', 'f', 'o', 0xfe), 0620);
            src.mknod(n("sock"), FileType.SOCKET, 0755, 0, 0);

            try (OpenFile sparse = src.createFile(n("sparse"), 0644)) {
                byte[] data = new byte[8192];
                new Random(2).nextBytes(data);
                sparse.writeAt(data, 0, data.length, 4 * MIB);
                sparse.truncate(8 * MIB);
            }

            if (ROOT) {
                src.mknod(n("chr"), FileType.CHAR_DEVICE, 0640, 1, 3);
                src.mknod(n("blk"), FileType.BLOCK_DEVICE, 0660, 7, 200);
                src.chown(rawFile, 1234, 5678);
                src.chown(rawLink, 4321, 8765);
                src.chown(n('f', 'i', 'f', 'o', 0xfe), 4321, 8765);
            }
            // Directory times last: creating entries in it changes them.
            src.setTimes(rawDir, null, t(1_111_111_111, 222_333_444));

            FileStat sparseStat = src.lstat(n("sparse"));
            try (OpenFile sparse = src.openRead(n("sparse"))) {
                assertThat(sparse.dataExtents(sparseStat.size())).containsExactly(new Extent(4 * MIB, 8192));
            }
            assertThat(sparseStat.blocks()).isLessThan(64);

            try (Dir dst = top.createDir(n("dst"), 0755)) {
                new Copier(dst).copyTree(src, dst, RawPath.current());
                compareTrees(src, dst);

                // Spot checks of what the comparison relies on.
                assertThat(dst.lstat(rawFile).mtime()).isEqualTo(t(981173106, 123456789));
                assertThat(dst.lstat(rawLink).mtime()).isEqualTo(t(1_234_567_890, 987_654_321));
                assertThat(dst.lstat(rawDir).mtime()).isEqualTo(t(1_111_111_111, 222_333_444));
                assertThat(dst.lstat(rawLink).type()).isEqualTo(FileType.SYMLINK);
                assertThat(dst.readlink(rawLink)).isEqualTo(rawTarget);
                assertThat(dst.xattrs(rawFile)).containsExactlyInAnyOrder(
                        new Xattr(b('u', 's', 'e', 'r', '.', 'k', 0xff), b(0xff, 0x00, 0xfe)),
                        new Xattr("user.empty".getBytes(), b()));
                assertThat(dst.lstat(n('f', 'i', 'f', 'o', 0xfe)).type()).isEqualTo(FileType.FIFO);
                assertThat(dst.lstat(n("sock")).type()).isEqualTo(FileType.SOCKET);
                FileStat h1 = dst.lstat(n("h1"));
                try (Dir d = dst.openDir(rawDir)) {
                    FileStat h2 = d.lstat(hardInDir);
                    assertThat(h2.inode()).isEqualTo(h1.inode());
                    assertThat(h2.nlink()).isEqualTo(2);
                }
                FileStat restoredSparse = dst.lstat(n("sparse"));
                assertThat(restoredSparse.blocks()).isEqualTo(sparseStat.blocks());
                try (OpenFile sparse = dst.openRead(n("sparse"))) {
                    assertThat(sparse.dataExtents(restoredSparse.size())).containsExactly(new Extent(4 * MIB, 8192));
                }
                if (ROOT) {
                    FileStat chr = dst.lstat(n("chr"));
                    assertThat(chr.type()).isEqualTo(FileType.CHAR_DEVICE);
                    assertThat(List.of(chr.rdevMajor(), chr.rdevMinor())).containsExactly(1L, 3L);
                    FileStat blk = dst.lstat(n("blk"));
                    assertThat(List.of(blk.rdevMajor(), blk.rdevMinor())).containsExactly(7L, 200L);
                    assertThat(List.of(dst.lstat(rawFile).uid(), dst.lstat(rawFile).gid())).containsExactly(1234L, 5678L);
                    assertThat(dst.lstat(rawLink).uid()).isEqualTo(4321);
                }
            }
        }
    }

    private static void writeFile(Dir dir, RawName name, byte[] content, int permissions) throws IOException {
        try (OpenFile f = dir.createFile(name, permissions)) {
            f.write(content, 0, content.length);
            f.chmod(permissions);
        }
    }

    /** A miniature backup-and-restore: what the real pipelines will do, minus the repository. */
    private static final class Copier {
        private final Dir dstRoot;
        /** (device, inode) of a multiply-linked source file → the directory and name of its first copy. */
        private final Map<List<Long>, Map.Entry<RawPath, RawName>> firstCopy = new HashMap<>();

        Copier(Dir dstRoot) {
            this.dstRoot = dstRoot;
        }

        void copyTree(Dir from, Dir to, RawPath relative) throws IOException {
            List<RawName> names = from.list();
            List<RawName> created = new ArrayList<>();
            for (RawName name : names) {
                FileStat st = from.lstat(name);
                if (st.type() != FileType.DIRECTORY && st.nlink() > 1) {
                    List<Long> key = List.of(st.deviceMajor(), st.deviceMinor(), st.inode());
                    Map.Entry<RawPath, RawName> first = firstCopy.get(key);
                    if (first != null) {
                        try (Dir targetDir = openRelative(first.getKey())) {
                            to.link(targetDir, first.getValue(), name);
                        }
                        continue;
                    }
                    firstCopy.put(key, Map.entry(relative, name));
                }
                switch (st.type()) {
                    case DIRECTORY -> {
                        try (Dir sub = from.openDir(name); Dir target = to.createDir(name, 0700)) {
                            copyTree(sub, target, relative.resolve(name));
                        }
                    }
                    case REGULAR -> copyFile(from, to, name, st);
                    case SYMLINK -> to.symlink(from.readlink(name), name);
                    case FIFO -> to.mkfifo(name, 0600);
                    case SOCKET, CHAR_DEVICE, BLOCK_DEVICE ->
                            to.mknod(name, st.type(), 0600, st.rdevMajor(), st.rdevMinor());
                }
                created.add(name);
            }
            // Metadata after all entries exist; chown before chmod because chown clears setuid bits.
            for (RawName name : created) {
                FileStat st = from.lstat(name);
                if (ROOT) {
                    to.chown(name, st.uid(), st.gid());
                }
                if (st.type() != FileType.SYMLINK) {
                    to.chmod(name, st.permissions());
                }
                for (Xattr x : from.xattrs(name)) {
                    to.setXattr(name, x.name(), x.value());
                }
                to.setTimes(name, st.atime(), st.mtime());
            }
        }

        private void copyFile(Dir from, Dir to, RawName name, FileStat st) throws IOException {
            byte[] buf = new byte[MIB];
            try (OpenFile in = from.openRead(name); OpenFile out = to.createFile(name, 0600)) {
                in.adviseSequential();
                for (Extent e : in.dataExtents(st.size())) {
                    for (long pos = e.offset(); pos < e.end(); ) {
                        int want = (int) Math.min(buf.length, e.end() - pos);
                        int n = in.readAt(buf, 0, want, pos);
                        out.writeAt(buf, 0, n, pos);
                        pos += n;
                    }
                }
                out.truncate(st.size());
            }
        }

        private Dir openRelative(RawPath relative) throws IOException {
            return Dir.open(dstRoot.path().resolve(relative));
        }
    }

    /** Everything a restore must reproduce, per entry (atime, ctime, inode and device cannot be). */
    private record Snapshot(
            FileType type, int permissions, long uid, long gid, long size, long blocks, long nlink,
            long rdevMajor, long rdevMinor, Timespec mtime, String content, String target, List<String> xattrs) {}

    private static void compareTrees(Dir a, Dir b) throws IOException {
        Map<RawPath, Snapshot> left = new TreeMap<>();
        Map<RawPath, Snapshot> right = new TreeMap<>();
        snapshot(a, RawPath.current(), left);
        snapshot(b, RawPath.current(), right);
        assertThat(right.keySet()).containsExactlyElementsOf(left.keySet());
        for (RawPath path : left.keySet()) {
            assertThat(right.get(path)).as(path.toString()).isEqualTo(left.get(path));
        }
        assertThat(left).hasSize(ROOT ? 11 : 9);
    }

    private static void snapshot(Dir dir, RawPath relative, Map<RawPath, Snapshot> out) throws IOException {
        for (RawName name : dir.list()) {
            FileStat st = dir.lstat(name);
            String content = null;
            String target = null;
            if (st.type() == FileType.REGULAR) {
                try (OpenFile f = dir.openRead(name)) {
                    byte[] data = new byte[(int) st.size()];
                    int n = st.size() == 0 ? 0 : f.read(data, 0, data.length);
                    assertThat(n).isEqualTo(data.length);
                    content = java.util.HexFormat.of().formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(data));
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new AssertionError(e);
                }
            } else if (st.type() == FileType.SYMLINK) {
                target = Escaping.escape(dir.readlink(name));
            }
            List<String> xattrs = dir.xattrs(name).stream().map(Xattr::toString).sorted().toList();
            out.put(relative.resolve(name), new Snapshot(st.type(), st.permissions(), st.uid(), st.gid(), st.size(),
                    st.blocks(), st.nlink(), st.rdevMajor(), st.rdevMinor(), st.mtime(), content, target, xattrs));
            if (st.type() == FileType.DIRECTORY) {
                try (Dir sub = dir.openDir(name)) {
                    snapshot(sub, relative.resolve(name), out);
                }
            }
        }
    }
}
