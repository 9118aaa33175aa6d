package org.obnam.chunking;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Content-defined chunker: FastCDC-style gear hash with cut-point skipping and normalized
 * chunking (Xia et al., USENIX ATC 2016 and IEEE TPDS 2020).
 *
 * <h2>Cut points (format-relevant)</h2>
 *
 * Chunk boundaries decide which chunks a repository already holds, so this definition must never
 * change without a repository format version bump. Let {@code G} be the gear table (see {@code
 * GearTable}), {@code min}, {@code avg} and {@code max} the {@link ChunkerParams}, and
 * {@code b = round(log2(avg))} ({@code log2} rounded to the nearest integer). The two masks are
 * runs of one-bits directly below bit 63. The high bits of the gear hash depend on the most bytes
 * (bit {@code j} on the last {@code j + 1}); bit 63 itself is left out so that an implementation
 * may roll two bytes per step with a table shifted left by one (FastCDC 2020) and still find the
 * same cut points:
 *
 * <pre>{@code
 * maskS = the (b + 2) bits 62, 61, ... (stricter: used while a chunk is shorter than avg)
 * maskL = the max(1, b - 2) bits 62, 61, ... (looser: used once a chunk is avg bytes or longer)
 * }</pre>
 *
 * Each chunk starts with {@code h = 0}. Its first {@code min - 1} bytes are not hashed. Then for
 * each following byte {@code x} at index {@code k} (from 0) in the chunk, with {@code L = k + 1}
 * the chunk length if cut after it:
 *
 * <pre>{@code
 * h = (h << 1) + G[x]    (mod 2^64)
 * cut after x if  L == max
 *             or  L <  avg and (h & maskS) == 0
 *             or  L >= avg and (h & maskL) == 0
 * }</pre>
 *
 * The bytes after a cut start the next chunk. The end of the stream ends the last chunk (an empty
 * stream has no chunks). So every chunk but the last is {@code min} to {@code max} bytes long,
 * and, because bit {@code j} of {@code h} depends only on the last {@code j + 1} bytes, whether a
 * byte ends a chunk depends only on the 63 bytes ending there and on its distance from the
 * chunk's start: after an insertion or deletion the cut points resynchronise within a chunk or
 * two. With {@code min == max} (see {@link ChunkerParams#forMaxSize}) this is fixed-size
 * chunking.
 *
 * <h2>Streaming</h2>
 *
 * A {@code Chunker} is fed the bytes of one stream (file) in pieces of any size, through
 * {@link #findBoundary}. It never copies or keeps the bytes; it only carries two values from one
 * call to the next: how many bytes of the current chunk it has seen ({@link #pending()}) and the
 * rolling hash. The cut points are the same for every way of splitting a stream into pieces, and
 * the same as {@link #chunkLengths}. The caller keeps the current chunk's bytes itself, typically
 * in a reusable buffer (as {@link Splitter} does):
 *
 * <pre>{@code
 * Chunker chunker = new Chunker(params);        // reusable; one per thread
 * byte[] buf = new byte[2 * params.maxSize()];  // holds at least the current chunk
 * int start = 0;  // first byte of the current chunk in buf
 * int fill = 0;   // end of the data in buf
 * chunker.reset(); // new file
 * for (;;) {
 *     if (fill == buf.length) {  // full: move the unfinished chunk (< max bytes) to the front
 *         System.arraycopy(buf, start, buf, 0, fill - start);
 *         fill -= start;
 *         start = 0;
 *     }
 *     int n = in.read(buf, fill, buf.length - fill);
 *     if (n < 0) break;
 *     int scan = fill;          // the new bytes continue the current chunk
 *     fill += n;
 *     int cut;
 *     while ((cut = chunker.findBoundary(buf, scan, fill - scan)) >= 0) {
 *         scan += cut;
 *         emit(buf, start, scan - start);  // a complete chunk
 *         start = scan;
 *     }
 * }
 * if (fill > start) emit(buf, start, fill - start);  // the last chunk
 * }</pre>
 *
 * <p>{@code findBoundary} allocates nothing. A {@code Chunker} is not thread-safe; use one per
 * thread.
 */
public final class Chunker {

    /** Normalization level: the masks have {@code b + NC} and {@code b - NC} bits. */
    static final int NORMALIZATION_LEVEL = 2;

    /** The gear table. */
    private static final long[] GEAR = GearTable.generate();

    private final ChunkerParams params;
    /** Bytes at the start of a chunk that are never hashed: {@code min - 1}. */
    private final int skip;
    private final int avg;
    private final int max;
    private final long maskS;
    private final long maskL;

    /** Bytes of the current chunk seen so far, {@code 0 <= pos < max}. */
    private int pos;
    /** The rolling hash of the current chunk (meaningful once {@code pos > skip}). */
    private long hash;

    /**
     * A chunker at the start of a stream.
     *
     * @param params the chunk size parameters
     */
    public Chunker(ChunkerParams params) {
        this.params = Objects.requireNonNull(params, "params");
        this.skip = params.minSize() - 1;
        this.avg = params.averageSize();
        this.max = params.maxSize();
        int bits = log2Rounded(avg);
        this.maskS = topMask(bits + NORMALIZATION_LEVEL);
        this.maskL = topMask(Math.max(1, bits - NORMALIZATION_LEVEL));
    }

    /** The parameters of this chunker. */
    public ChunkerParams params() {
        return params;
    }

    /** Starts a new stream: forgets the current chunk. */
    public void reset() {
        pos = 0;
        hash = 0;
    }

    /**
     * The number of bytes fed since the last cut point (or {@link #reset()}): the length of the
     * unfinished current chunk, {@code 0 <= pending() < maxSize}. At the end of a stream a
     * non-zero value is the length of the last chunk.
     */
    public int pending() {
        return pos;
    }

    /**
     * Feeds the next piece of the current stream and finds the end of the current chunk in it.
     *
     * <p>{@code buf[off, off + len)} continues the stream right after the bytes of earlier calls
     * (since the last {@link #reset()}). If the current chunk ends within the piece, returns
     * {@code r} with {@code 1 <= r <= len}: the chunk ends after {@code buf[off + r - 1]}. The
     * chunker has then consumed only those {@code r} bytes and starts a new chunk; the caller
     * passes the rest, {@code buf[off + r, off + len)}, in the next call (it may be empty). If the
     * chunk continues past the piece, returns {@code -1}: all {@code len} bytes are consumed into
     * the current chunk. An empty piece returns {@code -1} and changes nothing.
     *
     * <p>The chunker reads the bytes only during the call and never keeps a reference to
     * {@code buf}; the caller must keep the bytes of the unfinished chunk itself.
     *
     * @param buf holds the piece
     * @param off where the piece starts in {@code buf}
     * @param len length of the piece
     * @return the length of the prefix of the piece that completes the current chunk, or
     *     {@code -1} if the chunk continues past the piece
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not fit {@code buf}
     */
    public int findBoundary(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        int pos = this.pos;
        int start = off;
        int end = off + len;
        int unhashed = skip - pos;
        if (unhashed > 0) {
            if (unhashed >= len) {
                this.pos = pos + len;
                return -1;
            }
            start += unhashed;
            pos = skip;
        }
        if (pos < avg - 1) {
            // Lengths pos+1 .. avg-1: the stricter mask.
            int n = Math.min(end - start, avg - 1 - pos);
            int cut = scan(buf, start, start + n, maskS);
            if (cut >= 0) {
                return cutAt(cut - off);
            }
            start += n;
            pos += n;
            if (start == end) {
                this.pos = pos;
                return -1;
            }
        }
        // Lengths avg .. max: the looser mask.
        int n = Math.min(end - start, max - pos);
        int cut = scan(buf, start, start + n, maskL);
        if (cut >= 0) {
            return cutAt(cut - off);
        }
        pos += n;
        if (pos == max) {
            return cutAt(start + n - off);
        }
        this.pos = pos;
        return -1;
    }

    private int cutAt(int r) {
        pos = 0;
        hash = 0;
        return r;
    }

    /**
     * Rolls the hash over {@code buf[from, to)}, testing each position against {@code mask}.
     * Returns the index just after the first byte where the test passes, or -1 (and saves the
     * hash) if none does.
     *
     * <p>The hot loop. One table load, one shift-and-add (a single {@code lea} on x86-64) and one
     * test per byte, unrolled four times; the JIT removes the bounds checks (the table index is
     * masked to 0..255 and {@code to <= buf.length} was checked by the caller). Measured
     * alternatives that were no faster on x86-64 with JDK 25: a plain loop left to the JIT's
     * unrolling, FastCDC 2020's two-bytes-per-step rolling with a pre-shifted second table
     * (saves a shift that {@code lea} already makes free), and breaking the dependency chain
     * with partial sums (more instructions per byte).
     */
    private int scan(byte[] buf, int from, int to, long mask) {
        final long[] g = GEAR;
        long h = hash;
        int i = from;
        for (int last = to - 3; i < last; i += 4) {
            h = (h << 1) + g[buf[i] & 0xff];
            if ((h & mask) == 0) {
                return i + 1;
            }
            h = (h << 1) + g[buf[i + 1] & 0xff];
            if ((h & mask) == 0) {
                return i + 2;
            }
            h = (h << 1) + g[buf[i + 2] & 0xff];
            if ((h & mask) == 0) {
                return i + 3;
            }
            h = (h << 1) + g[buf[i + 3] & 0xff];
            if ((h & mask) == 0) {
                return i + 4;
            }
        }
        for (; i < to; i++) {
            h = (h << 1) + g[buf[i] & 0xff];
            if ((h & mask) == 0) {
                return i + 1;
            }
        }
        hash = h;
        return -1;
    }

    /**
     * The lengths of the chunks of a whole stream, in order. They sum to {@code data.length}; an
     * empty array has no chunks.
     *
     * @param params the chunk size parameters
     * @param data the whole stream
     * @return the chunk lengths
     */
    public static int[] chunkLengths(ChunkerParams params, byte[] data) {
        Chunker chunker = new Chunker(params);
        int[] lengths = new int[(int) Math.min(data.length, data.length / params.averageSize() + 16L)];
        int count = 0;
        int off = 0;
        while (off < data.length) {
            int r = chunker.findBoundary(data, off, data.length - off);
            int length = r < 0 ? data.length - off : r;
            if (count == lengths.length) {
                lengths = Arrays.copyOf(lengths, count * 2);
            }
            lengths[count++] = length;
            off += length;
        }
        return Arrays.copyOf(lengths, count);
    }

    private static int log2Rounded(int n) {
        int b = 31 - Integer.numberOfLeadingZeros(n);
        // Round to the nearest power of two in the geometric sense: n >= 2^(b + 1/2).
        if ((long) n * n >= 1L << (2 * b + 1)) {
            b++;
        }
        return b;
    }

    /** {@code bits} one-bits ending at bit 62: bits 62, 61, ..., 63 - bits. */
    private static long topMask(int bits) {
        int k = Math.min(bits, 62);
        return ((1L << k) - 1) << (63 - k);
    }

    static long[] gearTable() {
        return GEAR.clone();
    }

    long maskS() {
        return maskS;
    }

    long maskL() {
        return maskL;
    }

    /** Reads a stream from some source; {@code InputStream::read} fits. */
    @FunctionalInterface
    public interface ByteSource {
        /**
         * Reads up to {@code len} bytes into {@code buf[off, off + len)}.
         *
         * @return the number of bytes read ({@code 0} is allowed, though it makes the reader
         *     call again), or {@code -1} at the end of the stream
         */
        int read(byte[] buf, int off, int len) throws IOException;
    }

    /** Receives the chunks of a stream, in order. */
    @FunctionalInterface
    public interface ChunkConsumer {
        /**
         * Receives one chunk, {@code buf[off, off + len)}, with {@code len >= 1}. The bytes are
         * valid only during the call: the buffer is reused afterwards. Copy them (or finish
         * with them) before returning.
         */
        void accept(byte[] buf, int off, int len) throws IOException;
    }

    /**
     * Splits whole streams into chunks with one reusable buffer: the convenient way to use the
     * chunker. Reads the stream in large pieces into its buffer and hands each chunk to the
     * consumer as a slice of that buffer; copies data only to move an unfinished chunk to the
     * front of a full buffer. Not thread-safe; reusable for any number of streams.
     *
     * <pre>{@code
     * Chunker.Splitter splitter = new Chunker.Splitter(ChunkerParams.forMaxSize(chunkSize));
     * try (InputStream in = Files.newInputStream(path)) {
     *     splitter.split(in::read, (buf, off, len) -> store(buf, off, len));
     * }
     * }</pre>
     */
    public static final class Splitter {
        /**
         * Streams expected to be shorter than this get a buffer of this size, grown to the full
         * size should one turn out longer: a backup of small files then never holds a buffer of
         * the maximum chunk size per reader (5 MiB each for the default 4 MiB chunks).
         */
        static final int INITIAL_BUFFER = 256 << 10;
        private final Chunker chunker;
        private final int bufferSize;
        private byte[] buf = new byte[0]; // made by the first split, then reused
        /** Compact the buffer when less than this much room is left at its end. */
        private final int minRead;

        /**
         * A splitter with a buffer of {@link #bufferSizeFor bufferSizeFor(params)}.
         *
         * @param params the chunk size parameters
         */
        public Splitter(ChunkerParams params) {
            this(params, bufferSizeFor(params));
        }

        /**
         * The default buffer size: the maximum chunk size plus room for reads of a quarter of it,
         * and at least 1 MiB. An unfinished chunk moved to the front of the buffer is shorter
         * than the maximum, so every read asks for at least that quarter; a buffer of twice the
         * maximum made fewer, shorter moves but held 3 MiB more per reader for the default 4 MiB
         * chunks, which a backup with a reader per core pays in its heap.
         *
         * @param params the chunk size parameters
         * @return the buffer size in bytes
         */
        public static int bufferSizeFor(ChunkerParams params) {
            long max = params.maxSize();
            return (int) Math.min(Integer.MAX_VALUE - 8, Math.max(1 << 20, max + Math.max(1, max / 4)));
        }

        /**
         * A splitter with a buffer of the given size (smaller for short streams, see
         * {@link #INITIAL_BUFFER}).
         *
         * @param params the chunk size parameters
         * @param bufferSize the buffer size: at least {@code params.maxSize()} bytes, better
         *     twice that
         * @throws IllegalArgumentException if {@code bufferSize < params.maxSize()}
         */
        public Splitter(ChunkerParams params, int bufferSize) {
            if (bufferSize < params.maxSize()) {
                throw new IllegalArgumentException("buffer size " + bufferSize
                        + " is smaller than the maximum chunk size " + params.maxSize());
            }
            this.chunker = new Chunker(params);
            this.bufferSize = bufferSize;
            // After a move to the front at least bufferSize - maxSize + 1 bytes are free: ask for no
            // more than that before moving, or every read would move the chunk again.
            this.minRead = Math.max(1, Math.min(bufferSize / 4, bufferSize - params.maxSize() + 1));
        }

        /** The buffer's current length, for tests. */
        int bufferLength() {
            return buf.length;
        }

        /**
         * Reads {@code in} to its end and passes its chunks, in order, to {@code out}.
         *
         * @param in the stream (one file)
         * @param out receives each chunk; the slice is valid only during the call
         * @return the number of bytes read
         * @throws IOException from {@code in} or {@code out}; the splitter stays usable
         */
        public long split(ByteSource in, ChunkConsumer out) throws IOException {
            return split(in, out, -1);
        }

        /**
         * Like {@link #split(ByteSource, ChunkConsumer)}, for a stream expected to be
         * {@code expectedLength} bytes long (-1: not known), so that the buffer is made at the
         * size it will need instead of growing to it.
         */
        public long split(ByteSource in, ChunkConsumer out, long expectedLength) throws IOException {
            if (buf.length < bufferSize && (expectedLength < 0 || expectedLength >= INITIAL_BUFFER)) {
                buf = new byte[bufferSize];
            } else if (buf.length == 0) {
                buf = new byte[Math.min(bufferSize, INITIAL_BUFFER)];
            }
            chunker.reset();
            byte[] buf = this.buf;
            long total = 0;
            int start = 0;
            int fill = 0;
            try {
                for (;;) {
                    if (fill == buf.length && buf.length < bufferSize) {
                        byte[] full = new byte[bufferSize];
                        System.arraycopy(buf, start, full, 0, fill - start);
                        this.buf = buf = full;
                        fill -= start;
                        start = 0;
                    } else if (buf.length - fill < Math.max(1, Math.min(minRead, buf.length / 4)) && start > 0) {
                        // (a quarter of the small buffer: minRead, worked out for the full one,
                        // is larger than the whole small buffer and would move data every read;
                        // at least 1, or a full buffer of under 4 bytes would never be compacted)
                        System.arraycopy(buf, start, buf, 0, fill - start);
                        fill -= start;
                        start = 0;
                    }
                    // Here fill < buf.length while the buffer is not full-size, and once it is,
                    // fill - start < max <= buf.length: there is room to read.
                    int n = in.read(buf, fill, buf.length - fill);
                    if (n < 0) {
                        break;
                    }
                    if (n > buf.length - fill) {
                        throw new IOException("source returned " + n + " bytes for "
                                + (buf.length - fill) + " requested");
                    }
                    int scan = fill;
                    fill += n;
                    total += n;
                    int cut;
                    while ((cut = chunker.findBoundary(buf, scan, fill - scan)) >= 0) {
                        scan += cut;
                        out.accept(buf, start, scan - start);
                        start = scan;
                    }
                }
                if (fill > start) {
                    out.accept(buf, start, fill - start);
                }
                return total;
            } finally {
                chunker.reset();
            }
        }
    }
}
