package org.obnam.generation;

import java.util.List;

/**
 * The layout of a generation database. Both versions hold the same information; 0.0 keeps each
 * file's chunk list in one column (compact, the default), 1.0 keeps one row per chunk (easier to
 * query with SQL). Every version this client writes, it also reads.
 */
public record SchemaVersion(int major, int minor) {
    public static final SchemaVersion V0 = new SchemaVersion(0, 0);
    public static final SchemaVersion V1 = new SchemaVersion(1, 0);
    public static final SchemaVersion DEFAULT = V0;
    public static final List<SchemaVersion> SUPPORTED = List.of(V0, V1);

    /** The supported version with the given major number; IllegalArgumentException otherwise. */
    public static SchemaVersion ofMajor(int major) {
        return SUPPORTED.stream().filter(v -> v.major == major).findFirst().orElseThrow(() ->
                new IllegalArgumentException("backup version " + major + " is not supported; supported: "
                        + SUPPORTED.stream().map(v -> String.valueOf(v.major)).toList()));
    }

    // Written out rather than generated, as in Timespec: every backup and restore compares versions
    // at its start, where linking the generated methods cost milliseconds.
    @Override
    public boolean equals(Object o) {
        return o instanceof SchemaVersion v && v.major == major && v.minor == minor;
    }

    @Override
    public int hashCode() {
        return major * 31 + minor;
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
