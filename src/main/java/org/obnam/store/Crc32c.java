package org.obnam.store;

/**
 * CRC-32C arithmetic the JDK's {@link java.util.zip.CRC32C} lacks: the CRC of two byte strings
 * joined, from the CRC of each and the second one's length. Parts of an object's body written by
 * several threads at their own offsets are checksummed as they are written and combined in order
 * when the object is complete, so the body is never read back.
 *
 * <p>Polynomials over GF(2) in the reflected bit order the CRC uses: bit 31 is x^0. Appending
 * {@code n} bytes multiplies a CRC by x^(8n) modulo the polynomial; the final XOR of both CRCs
 * cancels in the sum, so {@code crc(a || b) = crc(a) * x^(8 len b) + crc(b)}.
 */
final class Crc32c {
    /** The Castagnoli polynomial, reflected. */
    private static final int POLY = 0x82F63B78;
    private static final int X0 = 1 << 31;
    /** {@code POWERS[k]} is x^(2^k) modulo the polynomial: enough for any {@code long} length in bytes. */
    private static final int[] POWERS = new int[67];

    static {
        POWERS[0] = X0 >>> 1; // x^1
        for (int k = 1; k < POWERS.length; k++) {
            POWERS[k] = multiply(POWERS[k - 1], POWERS[k - 1]);
        }
    }

    private Crc32c() {}

    /** The CRC-32C of {@code a || b}, given {@code crcA = crc(a)}, {@code crcB = crc(b)} and b's length. */
    static int combine(int crcA, int crcB, long lengthB) {
        if (lengthB < 0) {
            throw new IllegalArgumentException("negative length " + lengthB);
        }
        return multiply(xToThe8n(lengthB), crcA) ^ crcB;
    }

    /** The CRC-32C of {@code length} bytes of {@code data} from {@code offset}. */
    static int of(byte[] data, int offset, int length) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(data, offset, length);
        return (int) crc.getValue();
    }

    /** x^(8n) modulo the polynomial: x^(2^3) raised bit by bit of n. */
    private static int xToThe8n(long n) {
        int p = X0;
        int k = 3;
        while (n != 0) {
            if ((n & 1) != 0) {
                p = multiply(POWERS[k], p);
            }
            n >>>= 1;
            k++;
        }
        return p;
    }

    /** a * b modulo the polynomial. */
    private static int multiply(int a, int b) {
        int m = X0;
        int product = 0;
        while (m != 0) {
            if ((a & m) != 0) {
                product ^= b;
            }
            m >>>= 1;
            b = (b & 1) != 0 ? (b >>> 1) ^ POLY : b >>> 1;
        }
        return product;
    }
}
