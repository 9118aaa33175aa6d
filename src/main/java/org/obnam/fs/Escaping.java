package org.obnam.fs;

import java.io.ByteArrayOutputStream;

/**
 * The reversible display form of raw byte names: valid UTF-8 is shown as text, every other byte
 * as {@code \xNN}, and a backslash as {@code \\}.
 *
 * <p>Control characters (C0, DEL and the C1 range U+0080..U+009F) are valid UTF-8 but are escaped
 * as well: a file name must not be able to start a new output line or drive the user's terminal.
 * The form stays an exact inverse of {@link #unescape(String)} because every escape names bytes.
 */
final class Escaping {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Escaping() {}

    static String escape(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length + 8);
        int i = 0;
        while (i < bytes.length) {
            int b = bytes[i] & 0xff;
            if (b == '\\') {
                out.append("\\\\");
                i++;
            } else if (b < 0x80) {
                if (b < 0x20 || b == 0x7f) {
                    hex(out, b);
                } else {
                    out.append((char) b);
                }
                i++;
            } else {
                int length = utf8SequenceLength(bytes, i);
                if (length == 0) {
                    hex(out, b);
                    i++;
                    continue;
                }
                int codePoint = decode(bytes, i, length);
                if (codePoint <= 0x9f) {
                    for (int k = 0; k < length; k++) {
                        hex(out, bytes[i + k] & 0xff);
                    }
                } else {
                    out.appendCodePoint(codePoint);
                }
                i += length;
            }
        }
        return out.toString();
    }

    /** Inverse of {@link #escape}: {@code \xNN} becomes byte NN, {@code \\} a backslash, text its UTF-8. */
    static byte[] unescape(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\') {
                if (i + 1 < s.length() && s.charAt(i + 1) == '\\') {
                    out.write('\\');
                    i += 2;
                } else if (i + 3 < s.length() && s.charAt(i + 1) == 'x'
                        && hexValue(s.charAt(i + 2)) >= 0 && hexValue(s.charAt(i + 3)) >= 0) {
                    out.write(hexValue(s.charAt(i + 2)) << 4 | hexValue(s.charAt(i + 3)));
                    i += 4;
                } else {
                    throw new IllegalArgumentException(
                            "bad escape at index " + i + " in \"" + s + "\": use \\\\ for a backslash or \\xNN for a byte");
                }
            } else {
                int codePoint = s.codePointAt(i);
                if (Character.isSurrogate(c) && codePoint == c) {
                    throw new IllegalArgumentException("unpaired surrogate at index " + i);
                }
                encodeUtf8(out, codePoint);
                i += Character.charCount(codePoint);
            }
        }
        return out.toByteArray();
    }

    /** The length of the valid UTF-8 sequence starting at {@code i}, or 0 if there is none. */
    private static int utf8SequenceLength(byte[] b, int i) {
        int lead = b[i] & 0xff;
        int length;
        int min;
        if (lead >= 0xc2 && lead <= 0xdf) {
            length = 2;
            min = 0x80;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            length = 3;
            min = 0x800;
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            length = 4;
            min = 0x10000;
        } else {
            return 0;
        }
        if (i + length > b.length) {
            return 0;
        }
        for (int k = 1; k < length; k++) {
            if ((b[i + k] & 0xc0) != 0x80) {
                return 0;
            }
        }
        int codePoint = decode(b, i, length);
        if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) {
            return 0;
        }
        return length;
    }

    private static int decode(byte[] b, int i, int length) {
        int codePoint = (b[i] & 0xff) & (0xff >> (length + 1));
        for (int k = 1; k < length; k++) {
            codePoint = codePoint << 6 | (b[i + k] & 0x3f);
        }
        return codePoint;
    }

    private static void encodeUtf8(ByteArrayOutputStream out, int cp) {
        if (cp < 0x80) {
            out.write(cp);
        } else if (cp < 0x800) {
            out.write(0xc0 | cp >> 6);
            out.write(0x80 | cp & 0x3f);
        } else if (cp < 0x10000) {
            out.write(0xe0 | cp >> 12);
            out.write(0x80 | cp >> 6 & 0x3f);
            out.write(0x80 | cp & 0x3f);
        } else {
            out.write(0xf0 | cp >> 18);
            out.write(0x80 | cp >> 12 & 0x3f);
            out.write(0x80 | cp >> 6 & 0x3f);
            out.write(0x80 | cp & 0x3f);
        }
    }

    private static void hex(StringBuilder out, int b) {
        out.append("\\x").append(HEX[b >> 4]).append(HEX[b & 0xf]);
    }

    private static int hexValue(char c) {
        return Character.digit(c, 16) >= 0 && c < 0x80 ? Character.digit(c, 16) : -1;
    }
}
