package org.obnam.fs;

/** A run of bytes of a file that holds data (the parts between holes of a sparse file). */
public record Extent(long offset, long length) {
    public Extent {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative extent: " + offset + "+" + length);
        }
    }

    public long end() {
        return offset + length;
    }
}
