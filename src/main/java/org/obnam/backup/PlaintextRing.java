package org.obnam.backup;

import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;

/**
 * The memory that chunk plaintext waits in between a reader and the encoders: one array, handed
 * out in slices in order and reused as a ring. A slice is given back when its chunk is encoded
 * (or found to be stored already), in any order; the space of the oldest slices is reused once
 * they are all back. Taking a slice blocks while there is no room, which is what bounds the
 * bytes in flight.
 *
 * <p>It replaced a pool of arrays in size classes: every chunk of a size not pooled yet was a new
 * array of up to several MiB, straight into the old generation and garbage soon after, which grew
 * the heap by tens of MiB in every bulk backup; and each small file's content was an array of its
 * own that often lived long enough in the queues to be promoted too. The ring allocates once.
 *
 * <p>A slice never wraps around the end: when the room at the end is too short, the slice starts
 * at the beginning and the end stays unused until the slices before it are back. So up to the
 * largest slice less than the capacity may be unusable at times; callers size the ring for it.
 *
 * <p>The array starts small ({@link #SMALL_START}, or less if the capacity is) and is made at the
 * full capacity (or what {@link #expectAtMost} says) by the first slice longer than
 * {@link #BIG_SLICE}, or by a slice that finds no room and may grow the ring: a file reader's
 * chunk may, a small file the walker reads itself may not. A backup of small files keeps enough
 * of them in flight in the small array, and never zeroes and holds the full one. Slices of the
 * array given up that way stay valid until given back, so the ring holds at most its capacity and
 * the small array. Thread-safe.
 */
final class PlaintextRing {
    /** Part of the ring: valid from {@link PlaintextRing#take} until given back. */
    static final class Slice {
        private final byte[] array;
        private final int offset;
        private final int length;
        private boolean returned; // guarded by the ring

        private Slice(byte[] array, int offset, int length) {
            this.array = array;
            this.offset = offset;
            this.length = length;
        }

        byte[] array() {
            return array;
        }

        int offset() {
            return offset;
        }

        int length() {
            return length;
        }

        private int end() {
            return offset + length;
        }
    }

    /**
     * The array's size until longer slices need more: room for some 500 small files of a few KiB,
     * more than the pipeline's other queues let wait. With the full 8 MiB a backup of 50,000 small
     * files peaked 7 MiB higher and was no faster.
     */
    static final int SMALL_START = 2 << 20;
    /**
     * A slice longer than this, a chunk of a big file, makes the full array at once. A file
     * reader's shorter chunk makes it when the small array has no room for it: 2 MiB held too few
     * chunks of a few hundred KiB, or of a few KiB cut from big files, to keep the encoders busy
     * (files of 32 to 300 KiB were backed up 9% slower, 532 MiB in chunks of at most 16 KiB 8%),
     * while a few such files among small ones fit. The small files the walker reads itself fill
     * the small array without growing it: it holds more of them than the other queues let wait.
     */
    static final int BIG_SLICE = 256 << 10;
    private final int capacity;
    private final int bigSlice;
    private byte[] ring; // made on the first take: a backup that finds nothing to read never needs it
    private int firstSize; // the array's size when made, unless a slice longer than bigSlice comes first
    private int limit; // what longer slices grow the array to: the capacity, unless expectAtMost said less
    private final BooleanSupplier cancelled;
    /** Slices taken and not yet reusable, oldest first; the oldest may have been given back already. */
    private final ArrayDeque<Slice> live = new ArrayDeque<>();
    private int head; // where the next slice starts if it fits there
    /** Bytes in slices of arrays given up for the full one, not yet given back. */
    private long retiredInUse;

    /**
     * @param capacity the ring's size in bytes
     * @param cancelled when it says true, a thread waiting for room stops waiting
     */
    PlaintextRing(int capacity, BooleanSupplier cancelled) {
        this(capacity, SMALL_START, BIG_SLICE, cancelled);
    }

    /**
     * A ring whose array starts at {@code smallStart} bytes, and is made full-size by a slice
     * longer than {@code bigSlice}, or by one that finds no room and may grow the ring.
     */
    PlaintextRing(int capacity, int smallStart, int bigSlice, BooleanSupplier cancelled) {
        if (capacity < 1) {
            throw new IllegalArgumentException("ring capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
        this.bigSlice = bigSlice;
        this.firstSize = Math.max(1, Math.min(capacity, smallStart));
        this.limit = capacity;
        this.cancelled = cancelled;
    }

    /**
     * Tells the ring that at most {@code bytes} will pass through it from now on, so that its
     * array grows no bigger than that for longer slices, and is made no
     * bigger if it is not made yet: an unchanged backup stores only its generation database,
     * often a few KiB, and an array of the full capacity would be zeroed and resident for nothing.
     * A slice longer than the array waits until the ring is empty and then gets an array of the
     * full capacity.
     */
    synchronized void expectAtMost(long bytes) {
        int most = (int) Math.max(1, Math.min(capacity, bytes));
        limit = Math.max(ring == null ? 1 : ring.length, most);
        if (ring == null) {
            firstSize = most;
        }
    }

    int capacity() {
        return capacity;
    }

    /**
     * A slice of {@code length} bytes (1 to the capacity), with undefined contents; waits while
     * there is no room for it.
     *
     * @param growIfFull whether a small array without room for the slice is made full-size
     *     instead of waiting (for a file reader's chunks, not for the walker's small files)
     * @throws InterruptedException if interrupted or cancelled while waiting
     */
    Slice take(int length, boolean growIfFull) throws InterruptedException {
        synchronized (this) {
            while (true) {
                Slice slice = tryTake(length, growIfFull);
                if (slice != null) {
                    return slice;
                }
                if (cancelled.getAsBoolean()) {
                    throw new InterruptedException("stopped while waiting for room for " + length + " bytes of plaintext");
                }
                wait(100);
            }
        }
    }

    /** Like {@link #take}, but null at once when there is no room now. */
    synchronized Slice tryTake(int length, boolean growIfFull) {
        if (length < 1 || length > capacity) {
            throw new IllegalArgumentException("slice of " + length + " bytes in a ring of " + capacity);
        }
        if (ring == null) {
            ring = new byte[length > bigSlice ? Math.max(firstSize, limit) : firstSize];
        } else if (length > bigSlice && ring.length < limit) {
            retire();
        }
        if (length > ring.length) {
            if (!live.isEmpty()) {
                return null;
            }
            ring = new byte[capacity];
            head = 0;
        }
        int start = placeFor(length);
        if (start < 0 && growIfFull && ring.length < limit) {
            retire();
            start = 0;
        }
        if (start < 0) {
            return null;
        }
        Slice slice = new Slice(ring, start, length);
        live.addLast(slice);
        head = slice.end();
        return slice;
    }

    /**
     * Gives up the small array for one of the limit's size at once, without waiting for its
     * slices: they stay valid, and are only counted until given back. The caller holds the lock.
     */
    private void retire() {
        for (Slice s : live) {
            retiredInUse += s.returned ? 0 : s.length();
        }
        live.clear();
        ring = new byte[limit];
        head = 0;
        notifyAll(); // room for those waiting
    }

    /** Where a slice of {@code length} bytes can start now, or -1. The caller holds the lock. */
    private int placeFor(int length) {
        if (live.isEmpty()) {
            return 0;
        }
        int tail = live.peekFirst().offset();
        if (tail < head) { // in use: [tail, head); free: [head, end) and [0, tail)
            if (ring.length - head >= length) {
                return head;
            }
            return length <= tail ? 0 : -1;
        }
        // Wrapped (tail >= head): in use [tail, end) and [0, head); free: [head, tail).
        return tail - head >= length ? head : -1;
    }

    /** Gives back a slice from {@link #take}; its bytes may be reused from now on. Once only. */
    synchronized void give(Slice slice) {
        if (slice.returned) {
            throw new IllegalStateException("slice at " + slice.offset() + " given back twice");
        }
        slice.returned = true;
        if (slice.array() != ring) { // of an array given up for a bigger one
            retiredInUse -= slice.length();
            return;
        }
        boolean freed = false;
        while (!live.isEmpty() && live.peekFirst().returned) {
            live.removeFirst();
            freed = true;
        }
        if (live.isEmpty()) {
            head = 0; // all the room in one piece again
        }
        if (freed) {
            notifyAll();
        }
    }

    /** Bytes in slices taken and not given back, for tests. */
    synchronized long bytesInUse() {
        long sum = retiredInUse;
        for (Slice s : live) {
            sum += s.returned ? 0 : s.length();
        }
        return sum;
    }
}
