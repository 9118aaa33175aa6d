package org.obnam.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.stream.Stream;
import org.obnam.fs.Dir;
import org.obnam.fs.FileType;
import org.obnam.fs.RawName;
import org.obnam.fs.RawPath;
import org.obnam.fs.Timespec;

/**
 * Builds live data for a scenario: files, directories, symlinks, special files, names that are
 * raw bytes, modes, times with nanoseconds, ownership. Paths are relative to the tree's root.
 */
public final class Tree {
    public static final String CACHEDIR_TAG_SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path root;

    private Tree(Path root) {
        this.root = root;
    }

    /** The tree rooted at {@code dir}, which is created if missing. */
    public static Tree at(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Tree(dir);
    }

    public Path root() {
        return root;
    }

    public Path path(String relative) {
        return root.resolve(relative);
    }

    public static byte[] randomBytes(int size) {
        byte[] b = new byte[size];
        RANDOM.nextBytes(b);
        return b;
    }

    /** A file of {@code size} random bytes (so it neither compresses nor deduplicates). */
    public Path randomFile(String relative, int size) {
        return file(relative, randomBytes(size));
    }

    public Path file(String relative, String text) {
        return file(relative, text.getBytes(StandardCharsets.UTF_8));
    }

    public Path file(String relative, byte[] content) {
        Path p = root.resolve(relative);
        try {
            Files.createDirectories(p.getParent());
            Files.write(p, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    public Path dir(String relative) {
        try {
            return Files.createDirectories(root.resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path symlink(String relative, String target) {
        Path p = root.resolve(relative);
        try {
            Files.createDirectories(p.getParent());
            return Files.createSymbolicLink(p, Path.of(target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path hardLink(String relative, String existing) {
        Path p = root.resolve(relative);
        try {
            Files.createDirectories(p.getParent());
            return Files.createLink(p, root.resolve(existing));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sets the permission bits, e.g. {@code mode("data.dat", 0464)}. */
    public Tree mode(String relative, int mode) {
        return fs(relative, (dir, name) -> dir.chmod(name, mode));
    }

    /** Sets the modification time (seconds and nanoseconds) without following a symlink. */
    public Tree mtime(String relative, long seconds, int nanos) {
        return fs(relative, (dir, name) -> dir.setTimes(name, null, new Timespec(seconds, nanos)));
    }

    /** Changes owner and group without following a symlink (needs root). */
    public Tree chown(String relative, long uid, long gid) {
        return fs(relative, (dir, name) -> dir.chown(name, uid, gid));
    }

    public Path fifo(String relative) {
        fs(relative, (dir, name) -> dir.mkfifo(name, 0644));
        return root.resolve(relative);
    }

    /** A Unix domain socket, made the way a server makes one: bind, then close. */
    public Path socket(String relative) {
        Path p = root.resolve(relative);
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(p));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** A character or block device node (needs root). */
    public Path device(String relative, FileType type, int major, int minor) {
        fs(relative, (dir, name) -> dir.mknod(name, type, 0600, major, minor));
        return root.resolve(relative);
    }

    /** A file of {@code size} bytes that holds {@code data} at {@code offset} and holes elsewhere. */
    public Path sparseFile(String relative, long size, long offset, byte[] data) {
        Path p = root.resolve(relative);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(offset);
            f.write(data);
            f.setLength(size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** A valid CACHEDIR.TAG in the directory {@code relativeDir} ("" for the root). */
    public Path cacheDirTag(String relativeDir) {
        return file(relativeDir.isEmpty() ? "CACHEDIR.TAG" : relativeDir + "/CACHEDIR.TAG",
                CACHEDIR_TAG_SIGNATURE + "\n# This file is a cache directory tag.\n");
    }

    // ---- names that are raw bytes

    /** A regular file in the directory {@code relativeDir} whose name is exactly {@code name}. */
    public Tree rawFile(String relativeDir, byte[] name, byte[] content) {
        return rawDirDo(relativeDir, dir -> {
            try (var f = dir.createFile(RawName.of(name), 0644)) {
                f.write(content, 0, content.length);
            }
        });
    }

    public Tree rawDir(String relativeDir, byte[] name) {
        return rawDirDo(relativeDir, dir -> dir.createDir(RawName.of(name), 0755).close());
    }

    public Tree rawSymlink(String relativeDir, byte[] name, byte[] target) {
        return rawDirDo(relativeDir, dir -> dir.symlink(target, RawName.of(name)));
    }

    /** Opens the directory by raw path and runs {@code action} in it. */
    public Tree rawDirDo(String relativeDir, FsAction action) {
        Path d = relativeDir.isEmpty() ? root : root.resolve(relativeDir);
        try (Dir dir = Dir.open(RawPath.ofUtf8(d.toAbsolutePath().toString()))) {
            action.apply(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public interface FsAction {
        void apply(Dir dir) throws IOException;
    }

    interface EntryAction {
        void apply(Dir dir, RawName name) throws IOException;
    }

    private Tree fs(String relative, EntryAction action) {
        Path p = root.resolve(relative);
        try (Dir dir = Dir.open(RawPath.ofUtf8(p.getParent().toAbsolutePath().toString()))) {
            action.apply(dir, RawName.ofUtf8(p.getFileName().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /**
     * Gives the owner full access to every directory under {@code top} again, so a temporary
     * directory holding mode 000 entries can be deleted by a non-root test run.
     */
    public static void makeDeletable(Path top) {
        if (!Files.exists(top, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            if (Files.isDirectory(top, LinkOption.NOFOLLOW_LINKS)) {
                Files.setPosixFilePermissions(top, PosixFilePermissions.fromString("rwx------"));
                try (Stream<Path> children = Files.list(top)) {
                    for (Path c : children.toList()) {
                        makeDeletable(c);
                    }
                }
            }
        } catch (IOException | SecurityException e) {
            // best effort: JUnit reports what it cannot delete
        }
    }
}
