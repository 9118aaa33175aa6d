package org.obnam.fs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A path as raw bytes, absolute ("/a/b") or relative ("a/b"). Always normalised: no empty
 * components, no "." components and no trailing '/', except the root "/". The relative path with
 * no components is the current directory and shows as ".". ".." is refused, because resolving it
 * without the file system would be wrong when symlinks are involved.
 */
public final class RawPath implements Comparable<RawPath> {
    private static final byte SLASH = '/';
    private static final RawPath ROOT = new RawPath(new byte[] {SLASH});
    private static final RawPath CURRENT = new RawPath(new byte[0]);

    /** Normalised bytes; empty for the current directory. */
    private final byte[] bytes;
    private int hash;

    private RawPath(byte[] bytes) {
        this.bytes = bytes;
    }

    public static RawPath of(byte[] input) {
        if (input.length == 0) {
            throw new IllegalArgumentException("empty path");
        }
        byte[] out = new byte[input.length];
        int n = 0;
        boolean absolute = input[0] == SLASH;
        if (absolute) {
            out[n++] = SLASH;
        }
        int i = 0;
        while (i < input.length) {
            int end = i;
            while (end < input.length && input[end] != SLASH) {
                end++;
            }
            int length = end - i;
            boolean dot = length == 1 && input[i] == '.';
            if (length > 0 && !dot) {
                String problem = RawName.problem(input, i, end);
                if (problem != null) {
                    throw new IllegalArgumentException(
                            "invalid path \"" + Escaping.escape(input) + "\": a component " + problem);
                }
                if (n > 0 && out[n - 1] != SLASH) {
                    out[n++] = SLASH;
                }
                System.arraycopy(input, i, out, n, length);
                n += length;
            }
            i = end + 1;
        }
        if (n == 0) {
            return CURRENT;
        }
        return n == 1 && absolute ? ROOT : new RawPath(Arrays.copyOf(out, n));
    }

    public static RawPath ofUtf8(String s) {
        return of(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A relative path of one component. */
    public static RawPath of(RawName name) {
        return new RawPath(name.raw().clone());
    }

    public static RawPath root() {
        return ROOT;
    }

    /** The relative path with no components, ".". */
    public static RawPath current() {
        return CURRENT;
    }

    /** Inverse of {@link #toString()}, so a user can type any path, e.g. "/srv/caf\xe9". */
    public static RawPath fromEscaped(String s) {
        return of(Escaping.unescape(s));
    }

    public RawPath resolve(RawName name) {
        byte[] n = name.raw();
        if (bytes.length == 0) {
            return new RawPath(n.clone());
        }
        boolean root = isRoot();
        byte[] out = new byte[bytes.length + (root ? 0 : 1) + n.length];
        System.arraycopy(bytes, 0, out, 0, bytes.length);
        int at = bytes.length;
        if (!root) {
            out[at++] = SLASH;
        }
        System.arraycopy(n, 0, out, at, n.length);
        return new RawPath(out);
    }

    /** Appends a relative path; an absolute one is refused, so nothing can escape a restore target. */
    public RawPath resolve(RawPath relative) {
        if (relative.isAbsolute()) {
            throw new IllegalArgumentException("cannot resolve absolute path " + relative + " against " + this);
        }
        if (relative.bytes.length == 0) {
            return this;
        }
        if (bytes.length == 0) {
            return relative;
        }
        boolean root = isRoot();
        byte[] out = new byte[bytes.length + (root ? 0 : 1) + relative.bytes.length];
        System.arraycopy(bytes, 0, out, 0, bytes.length);
        int at = bytes.length;
        if (!root) {
            out[at++] = SLASH;
        }
        System.arraycopy(relative.bytes, 0, out, at, relative.bytes.length);
        return new RawPath(out);
    }

    /** The path without its last component; null for the root, "." and a single relative name. */
    public RawPath parent() {
        int slash = lastSlash();
        if (isRoot() || bytes.length == 0 || slash < 0) {
            return null;
        }
        return slash == 0 ? ROOT : new RawPath(Arrays.copyOf(bytes, slash));
    }

    /** The last component; null for the root and ".". */
    public RawName fileName() {
        if (isRoot() || bytes.length == 0) {
            return null;
        }
        return RawName.trusted(Arrays.copyOfRange(bytes, lastSlash() + 1, bytes.length));
    }

    public List<RawName> names() {
        List<RawName> names = new ArrayList<>();
        int i = isAbsolute() ? 1 : 0;
        while (i < bytes.length) {
            int end = i;
            while (end < bytes.length && bytes[end] != SLASH) {
                end++;
            }
            names.add(RawName.trusted(Arrays.copyOfRange(bytes, i, end)));
            i = end + 1;
        }
        return List.copyOf(names);
    }

    public boolean isAbsolute() {
        return bytes.length > 0 && bytes[0] == SLASH;
    }

    public boolean isRoot() {
        return bytes.length == 1 && bytes[0] == SLASH;
    }

    /** The bytes to hand to the kernel: "." for the current directory. */
    public byte[] bytes() {
        return bytes.length == 0 ? new byte[] {'.'} : bytes.clone();
    }

    /** True if {@code other}'s components are a prefix of this path's; both absolute or both relative. */
    public boolean startsWith(RawPath other) {
        if (isAbsolute() != other.isAbsolute()) {
            return false;
        }
        if (other.isRoot() || other.bytes.length == 0) {
            return true;
        }
        int n = other.bytes.length;
        return bytes.length >= n
                && Arrays.equals(bytes, 0, n, other.bytes, 0, n)
                && (bytes.length == n || bytes[n] == SLASH);
    }

    /** This path relative to {@code ancestor}: "/a/b/c" relative to "/a" is "b/c"; to itself ".". */
    public RawPath relativeTo(RawPath ancestor) {
        if (!startsWith(ancestor)) {
            throw new IllegalArgumentException(this + " is not under " + ancestor);
        }
        int skip;
        if (ancestor.isRoot()) {
            skip = 1;
        } else if (ancestor.bytes.length == 0) {
            skip = 0;
        } else {
            skip = Math.min(bytes.length, ancestor.bytes.length + 1);
        }
        return skip >= bytes.length ? CURRENT : new RawPath(Arrays.copyOfRange(bytes, skip, bytes.length));
    }

    private int lastSlash() {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == SLASH) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawPath other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.hashCode(bytes);
            hash = h;
        }
        return h;
    }

    /** Unsigned lexicographic order of the path bytes ("." sorts first). */
    @Override
    public int compareTo(RawPath other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    /** Display form, as {@link RawName#toString()}; "/" for the root and "." for the current directory. */
    @Override
    public String toString() {
        return bytes.length == 0 ? "." : Escaping.escape(bytes);
    }
}
