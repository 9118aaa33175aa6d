package org.obnam.check;

import java.util.ArrayList;
import java.util.List;
import org.obnam.store.ObjectId;

/**
 * Which chunks the stored objects' metadata puts where: (object, offset, length, label) in a
 * Bloom filter of 16 bits a chunk, so that checking that a generation's reference finds its chunk
 * costs memory that stays small however big the repository (keeping the places themselves took
 * 24 bytes a chunk, and ran check out of the default heap at six million chunks). A place that was
 * added is always found; one that was not is taken for present once in some 1,700 look-ups per
 * full filter (once in 300 with the seven filters of six million chunks), so a swapped object
 * whose chunks a generation uses is missed only when every one of them comes out so. It grows by
 * adding filters of twice the size as chunks come: at most 4 bytes a chunk in all.
 */
final class ChunkPlaces {
    private static final int BITS_PER_CHUNK = 16;
    private static final int HASHES = 8;
    private static final int FIRST_CAPACITY = 1 << 16;

    private final List<long[]> filters = new ArrayList<>();
    private int capacity;
    private int inLast;

    /** A hash of an object's id, computed once for all its chunks. */
    static long objectHash(ObjectId object) {
        String v = object.value();
        long h = mix(v.length());
        for (int i = 0; i < v.length(); i++) {
            h = mix(h ^ v.charAt(i));
        }
        return h;
    }

    void add(long object, long offset, long length, long label) {
        if (filters.isEmpty() || inLast == capacity) {
            capacity = filters.isEmpty() ? FIRST_CAPACITY : capacity * 2;
            filters.add(new long[(int) ((long) capacity * BITS_PER_CHUNK / 64)]);
            inLast = 0;
        }
        long[] bits = filters.getLast();
        long h1 = hash(object, offset, length, label);
        long h2 = second(h1);
        for (int i = 0; i < HASHES; i++) {
            long bit = bit(bits, h1, h2, i);
            bits[(int) (bit >>> 6)] |= 1L << bit;
        }
        inLast++;
    }

    boolean contains(long object, long offset, long length, long label) {
        long h1 = hash(object, offset, length, label);
        long h2 = second(h1);
        for (long[] bits : filters) {
            boolean all = true;
            for (int i = 0; i < HASHES && all; i++) {
                long bit = bit(bits, h1, h2, i);
                all = (bits[(int) (bit >>> 6)] & (1L << bit)) != 0;
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /** The second hash of double hashing: odd, so its multiples reach every bit. */
    private static long second(long h1) {
        return mix(h1 ^ 0x9E3779B97F4A7C15L) | 1;
    }

    /** The {@code i}-th bit a place sets in {@code bits}. */
    private static long bit(long[] bits, long h1, long h2, int i) {
        return Math.floorMod(h1 + i * h2, (long) bits.length * 64);
    }

    private static long hash(long object, long offset, long length, long label) {
        return mix(mix(mix(object ^ offset) ^ length) ^ label);
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
