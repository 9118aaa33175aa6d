package org.obnam.util;

import java.io.FileInputStream;
import java.io.IOException;
import java.security.SecureRandom;

/**
 * Random bytes from the kernel's random source, {@code /dev/urandom} (the source Go's and Rust's
 * crypto read through getrandom), for keys, salts, nonces and identifiers. The JDK's default
 * {@code SecureRandom} reads the same device but first initialises its providers and seeds a
 * SHA1PRNG to mix in: 35 to 50 ms of a command's start-up, and for nonces drawn one by one a lock
 * shared by every thread. Where the device cannot be opened, the JDK's {@code SecureRandom} is
 * used instead.
 */
public final class SystemRandom {
    private SystemRandom() {}

    private static final class Source {
        static final FileInputStream URANDOM = open();
        static final SecureRandom FALLBACK = URANDOM == null ? new SecureRandom() : null;

        private static FileInputStream open() {
            try {
                return new FileInputStream("/dev/urandom");
            } catch (IOException e) {
                return null;
            }
        }
    }

    /** Fills {@code bytes} with random bytes. Safe to call from any number of threads. */
    public static void fill(byte[] bytes) {
        if (Source.FALLBACK != null) {
            Source.FALLBACK.nextBytes(bytes);
            return;
        }
        try {
            if (Source.URANDOM.readNBytes(bytes, 0, bytes.length) != bytes.length) {
                throw new IOException("unexpected end of file");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read random bytes from /dev/urandom: " + e.getMessage(), e);
        }
    }

    /** {@code n} random bytes. */
    public static byte[] bytes(int n) {
        byte[] b = new byte[n];
        fill(b);
        return b;
    }
}
