package org.obnam.fs;

import java.util.Random;

/**
 * Generators for the property tests of names and paths: random byte strings biased towards the
 * interesting bytes (separators, NUL, backslash, dots, UTF-8 lead and continuation bytes).
 */
final class RandomBytes {
    private static final byte[] INTERESTING = {
        '/', 0, '\\', '.', 'x', 'a', 0x7f, (byte) 0x80, (byte) 0x9b, (byte) 0xbf, (byte) 0xc2, (byte) 0xc3,
        (byte) 0xe2, (byte) 0xed, (byte) 0xf0, (byte) 0xf4, (byte) 0xff, (byte) 0xfe, '\n', 0x1b
    };

    /** The seed; set -Dobnam.test.seed=N to reproduce a failure. */
    static final long SEED = Long.getLong("obnam.test.seed", 20261125L);

    private RandomBytes() {}

    static Random random() {
        return new Random(SEED);
    }

    static byte[] any(Random r, int maxLength) {
        byte[] b = new byte[r.nextInt(maxLength + 1)];
        for (int i = 0; i < b.length; i++) {
            b[i] = r.nextInt(3) == 0 ? INTERESTING[r.nextInt(INTERESTING.length)] : (byte) r.nextInt(256);
        }
        return b;
    }

    /** A valid file name: no '/', no NUL, not empty, not "." or "..". */
    static RawName name(Random r, int maxLength) {
        while (true) {
            byte[] b = any(r, maxLength);
            for (int i = 0; i < b.length; i++) {
                if (b[i] == '/' || b[i] == 0) {
                    b[i] = (byte) (0x80 + r.nextInt(128));
                }
            }
            if (RawName.problem(b, 0, b.length) == null) {
                return RawName.of(b);
            }
        }
    }

    static RawPath path(Random r) {
        RawPath p = r.nextBoolean() ? RawPath.root() : RawPath.current();
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
            p = p.resolve(name(r, 8));
        }
        return p;
    }
}
