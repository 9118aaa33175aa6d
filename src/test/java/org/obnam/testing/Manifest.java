package org.obnam.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.obnam.fs.Dir;
import org.obnam.fs.FileStat;
import org.obnam.fs.FileType;
import org.obnam.fs.OpenFile;
import org.obnam.fs.RawName;
import org.obnam.fs.RawPath;
import org.obnam.fs.Xattr;

/**
 * What a directory tree holds, entry by entry, in a form that compares across different roots:
 * each entry is keyed by its path relative to the root (raw bytes, shown escaped; the root itself
 * is "."), and described by its type, permission bits, uid, gid, size, mtime with nanoseconds,
 * symlink target bytes, SHA-256 of a regular file's content, device numbers, the hard-link group
 * it belongs to (which paths share its inode), its user.* extended attributes, and for a regular
 * file whether it is sparse (far fewer blocks allocated than its size needs). Access and change
 * times are left out: no backup can restore them.
 *
 * <p>The walk goes through the project's raw-byte file-system layer (org.obnam.fs), so names that
 * are not UTF-8 are read exactly; it never follows a symlink.
 */
public record Manifest(SortedMap<String, String> entries) {
    /** Below this size a file is never called sparse: small files' block counts are noise. */
    private static final long SPARSE_MIN_SIZE = 64 * 1024;

    public Manifest {
        entries = new TreeMap<>(entries);
    }

    /** The manifest of the tree at {@code root} (a directory). */
    public static Manifest of(Path root) {
        Map<String, Raw> raw = new TreeMap<>();
        try (Dir top = Dir.open(RawPath.ofUtf8(root.toAbsolutePath().toString()))) {
            raw.put(".", new Raw(top.stat(), null, null, top.xattrs()));
            walk(top, "", raw);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a manifest of " + root, e);
        }
        Map<List<Long>, TreeSet<String>> inodes = new HashMap<>();
        raw.forEach((path, r) -> {
            if (r.stat.type() != FileType.DIRECTORY && r.stat.nlink() > 1) {
                inodes.computeIfAbsent(List.of(r.stat.deviceMajor(), r.stat.deviceMinor(), r.stat.inode()),
                        k -> new TreeSet<>()).add(path);
            }
        });
        SortedMap<String, String> out = new TreeMap<>();
        raw.forEach((path, r) -> {
            TreeSet<String> group = r.stat.type() == FileType.DIRECTORY ? null
                    : inodes.get(List.of(r.stat.deviceMajor(), r.stat.deviceMinor(), r.stat.inode()));
            out.put(path, describe(r, group));
        });
        return new Manifest(out);
    }

    private record Raw(FileStat stat, byte[] target, String sha256, List<Xattr> xattrs) {}

    private static void walk(Dir dir, String prefix, Map<String, Raw> out) throws IOException {
        for (RawName name : dir.list()) {
            String path = prefix + escape(name.bytes());
            FileStat st = dir.lstat(name);
            switch (st.type()) {
                case DIRECTORY -> {
                    try (Dir sub = dir.openDir(name)) {
                        out.put(path, new Raw(st, null, null, sub.xattrs()));
                        walk(sub, path + "/", out);
                    }
                }
                case REGULAR -> {
                    try (OpenFile f = dir.openRead(name)) {
                        out.put(path, new Raw(st, null, sha256(f), f.xattrs()));
                    }
                }
                case SYMLINK -> out.put(path, new Raw(st, dir.readlink(name), null, List.of()));
                default -> out.put(path, new Raw(st, null, null, dir.xattrs(name)));
            }
        }
    }

    private static String sha256(OpenFile f) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = f.read(buf, 0, buf.length)) > 0) {
            sha.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static String describe(Raw r, TreeSet<String> linkGroup) {
        FileStat st = r.stat;
        StringBuilder s = new StringBuilder();
        s.append(st.type()).append(" perms=0").append(Integer.toOctalString(st.permissions()));
        s.append(" uid=").append(st.uid()).append(" gid=").append(st.gid());
        if (st.type() == FileType.REGULAR) {
            s.append(" size=").append(st.size());
        }
        s.append(" mtime=").append(st.mtime());
        switch (st.type()) {
            case REGULAR -> {
                s.append(" sha256=").append(r.sha256);
                s.append(" sparse=").append(st.size() >= SPARSE_MIN_SIZE && st.blocks() * 512 <= st.size() / 2);
            }
            case SYMLINK -> s.append(" target=").append(escape(r.target));
            case CHAR_DEVICE, BLOCK_DEVICE -> s.append(" rdev=").append(st.rdevMajor()).append(':').append(st.rdevMinor());
            default -> { }
        }
        if (linkGroup != null) {
            s.append(" hardlinks=").append(linkGroup);
        }
        List<String> xattrs = new ArrayList<>();
        for (Xattr x : r.xattrs) {
            String name = escape(x.name());
            if (name.startsWith("user.")) {
                xattrs.add(name + "=" + HexFormat.of().formatHex(x.value()));
            }
        }
        if (!xattrs.isEmpty()) {
            xattrs.sort(null);
            s.append(" xattrs=").append(xattrs);
        }
        return s.toString();
    }

    /** Raw bytes as text: printable ASCII as is, a backslash doubled, anything else as \xNN. */
    public static String escape(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c == '\\') {
                s.append("\\\\");
            } else if (c > 0x20 && c < 0x7f) {
                s.append((char) c);
            } else {
                s.append(String.format("\\x%02x", c));
            }
        }
        return s.toString();
    }

    /** The description of one entry (path relative to the root, escaped), or null if absent. */
    public String entry(String path) {
        return entries.get(path);
    }

    /** One line per entry, sorted by path: "path: description". */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        entries.forEach((k, v) -> lines.add(k + ": " + v));
        return lines;
    }

    @Override
    public String toString() {
        return String.join("\n", lines());
    }
}
