package org.obnam.chunking;

/**
 * The fixed gear table of the chunker's rolling hash.
 *
 * <p><strong>Format-relevant.</strong> Chunk boundaries, and with them which chunks a repository
 * already holds, depend on every bit of this table. It must never change without a repository
 * format version bump; {@code GearTableTest} pins a SHA-256 of it so that an accidental change
 * fails the build.
 *
 * <p>Entry {@code i} (0 to 255) is the {@code i+1}-th output of the SplitMix64 generator (Steele,
 * Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014) started from the
 * seed {@link #SEED}, the ASCII bytes of {@code "obnamCDC"} read as a big-endian 64-bit integer:
 *
 * <pre>{@code
 * state = SEED
 * for i in 0..255:
 *     state += 0x9E3779B97F4A7C15
 *     z = state
 *     z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9
 *     z = (z ^ (z >>> 27)) * 0x94D049BB133111EB
 *     table[i] = z ^ (z >>> 31)
 * }</pre>
 *
 * (all arithmetic modulo 2<sup>64</sup>). The generator is written out here rather than taken from
 * {@code java.util.SplittableRandom} so that the table cannot change with the JDK.
 */
final class GearTable {

    /** {@code "obnamCDC"} in ASCII, big-endian. */
    static final long SEED = 0x6F626E616D434443L;

    private GearTable() {}

    /** A fresh copy of the 256 table entries. */
    static long[] generate() {
        long[] table = new long[256];
        long state = SEED;
        for (int i = 0; i < table.length; i++) {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            table[i] = z ^ (z >>> 31);
        }
        return table;
    }
}
