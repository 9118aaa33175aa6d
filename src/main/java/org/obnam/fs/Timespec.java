package org.obnam.fs;

import java.time.Instant;

/** A file time stamp with nanoseconds, as the kernel keeps it. */
public record Timespec(long seconds, int nanos) implements Comparable<Timespec> {
    public Timespec {
        if (nanos < 0 || nanos > 999_999_999) {
            throw new IllegalArgumentException("nanos out of range: " + nanos);
        }
    }

    public static Timespec of(Instant instant) {
        return new Timespec(instant.getEpochSecond(), instant.getNano());
    }

    public Instant toInstant() {
        return Instant.ofEpochSecond(seconds, nanos);
    }

    @Override
    public int compareTo(Timespec other) {
        int c = Long.compare(seconds, other.seconds);
        return c != 0 ? c : Integer.compare(nanos, other.nanos);
    }

    // Written out rather than generated: a record's generated equals and hashCode are linked at
    // their first call, which cost milliseconds of every backup's start; this one runs per file.
    @Override
    public boolean equals(Object o) {
        return o instanceof Timespec t && t.seconds == seconds && t.nanos == nanos;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(seconds) * 31 + nanos;
    }

    @Override
    public String toString() {
        String n = Integer.toString(nanos);
        return seconds + "." + "0".repeat(9 - n.length()) + n;
    }
}
