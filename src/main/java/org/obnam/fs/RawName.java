package org.obnam.fs;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One path component as the kernel sees it: raw bytes, never decoded. Non-empty, without '/' or
 * NUL, and neither "." nor "..". Immutable; bytes are copied on the way in and out.
 */
public final class RawName implements Comparable<RawName> {
    private final byte[] bytes;
    private int hash;

    private RawName(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Copies {@code bytes}; throws IllegalArgumentException if they are not a valid name. */
    public static RawName of(byte[] bytes) {
        byte[] copy = bytes.clone();
        String problem = problem(copy, 0, copy.length);
        if (problem != null) {
            throw new IllegalArgumentException("invalid file name \"" + Escaping.escape(copy) + "\": " + problem);
        }
        return new RawName(copy);
    }

    public static RawName ofUtf8(String s) {
        return of(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Inverse of {@link #toString()}. */
    public static RawName fromEscaped(String s) {
        return of(Escaping.unescape(s));
    }

    /** Wraps without copying or checking: for bytes the kernel or RawPath already validated. */
    static RawName trusted(byte[] bytes) {
        return new RawName(bytes);
    }

    /** Why bytes[from, to) is not a valid name, or null if it is. */
    static String problem(byte[] b, int from, int to) {
        int length = to - from;
        if (length == 0) {
            return "empty";
        }
        if (b[from] == '.' && (length == 1 || (length == 2 && b[from + 1] == '.'))) {
            return "\".\" and \"..\" are not names";
        }
        for (int i = from; i < to; i++) {
            if (b[i] == '/') {
                return "contains '/'";
            }
            if (b[i] == 0) {
                return "contains NUL";
            }
        }
        return null;
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /** The internal array; callers in this package must not modify it. */
    byte[] raw() {
        return bytes;
    }

    public int length() {
        return bytes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawName other && Arrays.equals(bytes, other.bytes);
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

    /** Unsigned lexicographic byte order, the order of the C locale. */
    @Override
    public int compareTo(RawName other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    /** Display form: valid UTF-8 as text, other bytes as \xNN, backslash as \\ (see {@link #fromEscaped}). */
    @Override
    public String toString() {
        return Escaping.escape(bytes);
    }
}
