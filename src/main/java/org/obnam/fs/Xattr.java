package org.obnam.fs;

import java.util.Arrays;

/** One extended attribute. The name and value are raw bytes; the arrays are copied in and out. */
public record Xattr(byte[] name, byte[] value) {
    public Xattr {
        name = name.clone();
        value = value.clone();
    }

    @Override
    public byte[] name() {
        return name.clone();
    }

    @Override
    public byte[] value() {
        return value.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Xattr other && Arrays.equals(name, other.name) && Arrays.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(name) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Xattr[" + Escaping.escape(name) + "=" + Escaping.escape(value) + "]";
    }
}
