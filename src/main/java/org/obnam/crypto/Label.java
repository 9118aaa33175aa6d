package org.obnam.crypto;

import java.util.Arrays;
import java.util.HexFormat;

/** A chunk's label: a keyed hash of its plaintext, 32 bytes, shown as lower-case hex. */
public final class Label implements Comparable<Label> {
    public static final int LENGTH = 32;
    private final byte[] bytes;
    private String hex;

    private Label(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Label of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a label has " + LENGTH + " bytes, not " + bytes.length);
        }
        return new Label(bytes.clone());
    }

    static Label wrap(byte[] bytes) {
        return new Label(bytes);
    }

    /** Parses 64 hex digits; IllegalArgumentException otherwise. */
    public static Label fromHex(String hex) {
        if (hex.length() != LENGTH * 2) {
            throw new IllegalArgumentException("a label is " + LENGTH * 2 + " hex digits");
        }
        return new Label(HexFormat.of().parseHex(hex));
    }

    public static boolean isLabelHex(String s) {
        return s.length() == LENGTH * 2 && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /** Copies the label into {@code dest} at {@code offset} without allocating. */
    public void copyTo(byte[] dest, int offset) {
        System.arraycopy(bytes, 0, dest, offset, LENGTH);
    }

    public static Label from(byte[] source, int offset) {
        return new Label(Arrays.copyOfRange(source, offset, offset + LENGTH));
    }

    /** Made when first asked for: a backup needs each new chunk's label in hex two or three times. */
    public String hex() {
        String h = hex;
        if (h == null) {
            h = HexFormat.of().formatHex(bytes);
            hex = h; // a race only makes an equal string twice
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Label other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        // The bytes are a keyed hash: any four of them are as good as a computed hash.
        return (bytes[0] & 0xff) | (bytes[1] & 0xff) << 8 | (bytes[2] & 0xff) << 16 | bytes[3] << 24;
    }

    @Override
    public int compareTo(Label o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
