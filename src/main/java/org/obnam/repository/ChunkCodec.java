package org.obnam.repository;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import org.obnam.crypto.ChunkCipher;
import org.obnam.crypto.ChunkKind;
import org.obnam.crypto.CryptoException;
import org.obnam.crypto.Label;
import org.obnam.crypto.Labeller;
import org.obnam.crypto.MasterKey;

/**
 * Turns plaintext chunks into stored blobs and back: label (keyed hash), compress with zstd (kept
 * raw when that does not shrink it), encrypt. Decoding checks the AEAD, decompresses, and checks
 * that the plaintext has the label it was asked for. Thread-safe; compression contexts are per
 * thread because making one costs more than compressing a small chunk.
 */
public final class ChunkCodec {
    /** Flag bit: the plaintext inside the AEAD is a zstd frame. */
    static final int ZSTD = 1;
    /** No chunk this client writes is larger; a bound for decompression. */
    public static final int MAX_PLAINTEXT = 64 << 20;

    private final java.util.Map<ChunkKind, Labeller> labellers;
    private final ChunkCipher cipher;
    private final int level; // 0: no compression
    // Per-thread state is shared by all codecs (static): a ThreadLocal per instance would leave
    // each discarded codec's buffers and zstd contexts in the threads' maps until they happen to
    // be swept, which a process opening many repositories cannot afford.
    private static final ThreadLocal<ZstdCompressCtx> COMPRESSORS = ThreadLocal.withInitial(() -> {
        ZstdCompressCtx c = new ZstdCompressCtx();
        c.setContentSize(true);
        c.setChecksum(false);
        return c;
    });
    private static final ThreadLocal<ZstdDecompressCtx> DECOMPRESSORS = ThreadLocal.withInitial(ZstdDecompressCtx::new);
    /** Per-thread output buffer for compression, grown to the largest chunk seen. */
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[0]);
    /** Per-thread buffers for {@link #decodeInto}: decrypted, then decompressed. */
    private static final ThreadLocal<byte[][]> DECODE_BUFFERS =
            ThreadLocal.withInitial(() -> new byte[][] {new byte[0], new byte[0]});

    public ChunkCodec(java.util.Map<ChunkKind, Labeller> labellers, ChunkCipher cipher, int zstdLevel) {
        this.labellers = new java.util.EnumMap<>(labellers);
        this.cipher = cipher;
        this.level = zstdLevel;
    }

    /** Loads zstd's native library, which a command reading the generation list needs first. */
    public static void loadNativeLibrary() {
        Zstd.defaultCompressionLevel();
    }

    /** Whether {@link #prepare} compresses at all (not with {@code compression: none}). */
    public boolean compresses() {
        return level != 0;
    }

    /** A codec with {@code key}'s labellers and cipher. */
    public static ChunkCodec of(MasterKey key, int zstdLevel) {
        java.util.Map<ChunkKind, Labeller> labellers = new java.util.EnumMap<>(ChunkKind.class);
        for (ChunkKind kind : ChunkKind.values()) {
            labellers.put(kind, key.labeller(kind));
        }
        return new ChunkCodec(labellers, key.cipher(), zstdLevel);
    }

    /** The label of a chunk of {@code kind}: a keyed hash with that kind's key. */
    public Label label(ChunkKind kind, byte[] data, int offset, int length) {
        return labellers.get(kind).label(data, offset, length);
    }

    /**
     * A chunk ready to be sealed: compressed (in this thread's buffer) when worthwhile. Seal it
     * with {@link #sealInto} on the same thread before preparing the next.
     */
    public record Prepared(ChunkKind kind, Label label, int flags, byte[] source, int offset, int length) {
        public int blobLength() {
            return length + ChunkCipher.OVERHEAD;
        }
    }

    public Prepared prepare(ChunkKind kind, Label label, byte[] data, int offset, int length) {
        return prepare(kind, label, data, offset, length, null);
    }

    /**
     * Like {@link #prepare(ChunkKind, Label, byte[], int, int)}, compressing into {@code out} when
     * it holds {@link #compressionBufferLength compressionBufferLength(length)} bytes (else into
     * this thread's buffer). A caller that knows its largest chunk keeps one such array per
     * thread: the thread's own buffer grows with each larger chunk, and each step is a new array.
     */
    public Prepared prepare(ChunkKind kind, Label label, byte[] data, int offset, int length, byte[] out) {
        if (level != 0 && length >= 64) {
            out = compressionBuffer(length, out);
            int n = compress(data, offset, length, out);
            if (worthCompressing(n, length)) {
                return new Prepared(kind, label, ZSTD, out, 0, n);
            }
        }
        return new Prepared(kind, label, 0, data, offset, length);
    }

    /**
     * {@code out} if it can hold the compressed form of {@code length} bytes, else this thread's
     * buffer, grown if need be.
     */
    private static byte[] compressionBuffer(int length, byte[] out) {
        int bound = compressionBufferLength(length);
        if (out != null && out.length >= bound) {
            return out;
        }
        byte[] scratch = SCRATCH.get();
        if (scratch.length < bound) {
            scratch = new byte[grownLength(scratch.length, bound)];
            SCRATCH.set(scratch);
        }
        return scratch;
    }

    /** Worth it only if it saves at least 1/32: otherwise decompressing costs more than it saves. */
    private static boolean worthCompressing(int compressed, int length) {
        return compressed > 0 && compressed < length - (length >> 5);
    }

    /**
     * Compresses (when worthwhile) and encrypts the body of a record, such as the generation list.
     * A record has a name, not a label: {@code context} binds the blob to it.
     */
    public byte[] encodeRecord(ChunkKind kind, byte[] context, byte[] data) {
        if (level != 0 && data.length >= 64) {
            byte[] out = compressionBuffer(data.length, null);
            int n = compress(data, 0, data.length, out);
            if (worthCompressing(n, data.length)) {
                return cipher.seal(kind, context, ZSTD, out, 0, n);
            }
        }
        return cipher.seal(kind, context, 0, data);
    }

    /**
     * Decrypts and, if it was compressed, decompresses a record's body written by
     * {@link #encodeRecord}. CryptoException when the blob fails authentication;
     * CorruptChunkException, naming {@code subject}, when what it holds cannot be decoded.
     */
    public byte[] decodeRecord(ChunkKind kind, byte[] context, byte[] blob, String subject)
            throws CryptoException, CorruptChunkException {
        ChunkCipher.Opened opened = cipher.open(kind, context, blob);
        return decoded(opened, subject);
    }

    private static byte[] decoded(ChunkCipher.Opened opened, String subject) throws CorruptChunkException {
        if ((opened.flags() & ZSTD) != 0) {
            return decompress(subject, opened.plaintext());
        } else if (opened.flags() != 0) {
            throw new CorruptChunkException(subject + " uses an encoding this Obnam does not know: upgrade Obnam");
        }
        return opened.plaintext();
    }

    /** The size of a buffer that {@link #prepare} can compress a chunk of {@code length} bytes into. */
    public static int compressionBufferLength(int length) {
        return (int) Math.min(Integer.MAX_VALUE - 8, Zstd.compressBound(length));
    }

    /** Encrypts a prepared chunk into {@code out} at {@code outOffset} ({@code blobLength()} bytes). */
    public void sealInto(Prepared p, byte[] out, int outOffset) {
        cipher.sealInto(p.kind(), p.label().bytes(), p.flags(), p.source(), p.offset(), p.length(), out, outOffset);
    }

    /** Encrypts a prepared chunk and passes its blob to {@code sink} in pieces no larger than {@code scratch}. */
    public <E extends Exception> void sealTo(Prepared p, byte[] scratch, ChunkCipher.BlobSink<E> sink) throws E {
        cipher.sealTo(p.kind(), p.label().bytes(), p.flags(), p.source(), p.offset(), p.length(), scratch, sink);
    }

    /** Compresses (when worthwhile) and encrypts; the AEAD binds {@code kind} and {@code label}. */
    public byte[] encode(ChunkKind kind, Label label, byte[] data, int offset, int length) {
        Prepared p = prepare(kind, label, data, offset, length);
        byte[] out = new byte[p.blobLength()];
        sealInto(p, out, 0);
        return out;
    }

    private int compress(byte[] data, int offset, int length, byte[] out) {
        try {
            ZstdCompressCtx c = COMPRESSORS.get();
            c.setLevel(level);
            return c.compressByteArray(out, 0, out.length, data, offset, length);
        } catch (ZstdException e) {
            return -1;
        }
    }

    public byte[] decode(ChunkKind kind, Label label, byte[] blob) throws CorruptChunkException {
        return decode(kind, label, blob, 0, blob.length);
    }

    /** Decrypts, decompresses and verifies; CorruptChunkException says what is wrong. */
    public byte[] decode(ChunkKind kind, Label label, byte[] blob, int offset, int length) throws CorruptChunkException {
        ChunkCipher.Opened opened;
        try {
            opened = cipher.open(kind, label.bytes(), blob, offset, length);
        } catch (CryptoException e) {
            throw new CorruptChunkException("chunk " + label + ": " + e.getMessage());
        }
        // The subject only names the chunk in an error: not formatted for a chunk that was stored raw.
        byte[] plain = decoded(opened, opened.flags() == 0 ? "" : "chunk " + label);
        if (!labellers.get(kind).label(plain).equals(label)) {
            throw new CorruptChunkException("chunk " + label + " does not match its label");
        }
        return plain;
    }

    /** A decoded chunk in this thread's buffer: valid until the thread decodes the next one. */
    public record Plain(byte[] buffer, int length) {}

    /**
     * The new length of a reused buffer that must hold {@code needed} bytes: at least half as much
     * again as before. Growing to exactly each new largest chunk made a run of ever larger
     * arrays, each garbage a moment later and big enough to go straight to the old generation.
     */
    static int grownLength(int current, int needed) {
        return grownLength(current, needed, Integer.MAX_VALUE - 8);
    }

    /**
     * A reused decode buffer's new length for {@code needed} bytes: straight to {@code target}
     * (or what is needed, if more) for a chunk of a quarter of the target or more, whose data
     * will have chunks of every size up to it; by half at a time for smaller chunks, so that data
     * of small chunks never makes buffers of the largest size.
     */
    static int decodeBufferLength(int current, int needed, int target) {
        return needed >= target / 4 ? Math.max(needed, target) : grownLength(current, needed, target);
    }

    /** Like {@link #grownLength(int, int)}, but growing past {@code cap} only to hold {@code needed}. */
    static int grownLength(int current, int needed, int cap) {
        long grown = current + (long) (current >> 1);
        return (int) Math.max(needed, Math.min(grown, Math.min(cap, Integer.MAX_VALUE - 8)));
    }


    /**
     * Like {@link #decode} but into reused per-thread buffers, for the restore's hot path: no
     * allocation per chunk once the buffers have grown to the largest chunk. The buffers grow past
     * {@code bufferCap} only as far as a chunk needs, so a caller that sends only chunks up to the
     * cap here knows they never take more than the cap each; a chunk of a quarter of the cap or
     * more grows them to the cap at once ({@link #decodeBufferLength}).
     */
    public Plain decodeInto(ChunkKind kind, Label label, byte[] blob, int offset, int length, int bufferCap)
            throws CorruptChunkException {
        return decodeInto(kind, label, blob, offset, length, bufferCap, null);
    }

    /**
     * Like {@link #decodeInto(ChunkKind, Label, byte[], int, int, int)}, decompressing into
     * {@code spare} when it is long enough: an array of the caller's that is free once the chunk
     * is decrypted, such as the one its encrypted form was read into. A restore thread then holds
     * two buffers of the largest chunk instead of three.
     */
    public Plain decodeInto(ChunkKind kind, Label label, byte[] blob, int offset, int length, int bufferCap, byte[] spare)
            throws CorruptChunkException {
        byte[][] bufs = DECODE_BUFFERS.get();
        int inner = Math.max(0, length - ChunkCipher.OVERHEAD);
        if (bufs[0].length < inner) {
            bufs[0] = new byte[decodeBufferLength(bufs[0].length, inner, bufferCap)];
        }
        int flags;
        try {
            flags = cipher.openInto(kind, label.bytes(), blob, offset, length, bufs[0]);
        } catch (CryptoException e) {
            throw new CorruptChunkException("chunk " + label + ": " + e.getMessage());
        }
        byte[] plain = bufs[0];
        int n = inner;
        if ((flags & ZSTD) != 0) {
            long size = Zstd.getFrameContentSize(bufs[0], 0, inner);
            if (size < 0 || size > MAX_PLAINTEXT) {
                throw new CorruptChunkException("chunk " + label + " has a damaged compressed form");
            }
            byte[] out = spare != null && spare.length >= size ? spare : bufs[1];
            if (out.length < size) {
                out = bufs[1] = new byte[decodeBufferLength(bufs[1].length, (int) size, bufferCap)];
            }
            try {
                n = DECOMPRESSORS.get().decompressByteArray(out, 0, (int) size, bufs[0], 0, inner);
            } catch (ZstdException e) {
                throw new CorruptChunkException("chunk " + label + " cannot be decompressed: " + e.getMessage());
            }
            if (n != size) {
                throw new CorruptChunkException("chunk " + label + " decompresses to the wrong size");
            }
            plain = out;
        } else if (flags != 0) {
            throw new CorruptChunkException("chunk " + label + " uses an encoding this Obnam does not know: upgrade Obnam");
        }
        if (!labellers.get(kind).label(plain, 0, n).equals(label)) {
            throw new CorruptChunkException("chunk " + label + " does not match its label");
        }
        return new Plain(plain, n);
    }

    private static byte[] decompress(String subject, byte[] frame) throws CorruptChunkException {
        long size = Zstd.getFrameContentSize(frame);
        if (size < 0 || size > MAX_PLAINTEXT) {
            throw new CorruptChunkException(subject + " has a damaged compressed form");
        }
        byte[] out = new byte[(int) size];
        try {
            int n = DECOMPRESSORS.get().decompressByteArray(out, 0, out.length, frame, 0, frame.length);
            if (n != size) {
                throw new CorruptChunkException(subject + " decompresses to the wrong size");
            }
        } catch (ZstdException e) {
            throw new CorruptChunkException(subject + " cannot be decompressed: " + e.getMessage());
        }
        return out;
    }
}
