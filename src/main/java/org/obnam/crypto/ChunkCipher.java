package org.obnam.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.obnam.util.SystemRandom;

/**
 * AES-256-GCM for chunks and records, with a fresh random 96-bit nonce per blob.
 *
 * <pre>
 * blob = u8 format (1) | u8 flags | 12-byte nonce | ciphertext | 16-byte tag
 * AAD  = "obnam-java blob" | format | flags | kind | context
 * </pre>
 *
 * {@code context} is the chunk's label (or a record's name): a server that serves one chunk in
 * place of another fails authentication. {@code flags} carries the caller's encoding (such as
 * compression) and is authenticated too. Random nonces keep the collision risk negligible below
 * 2^32 blobs per repository.
 */
public final class ChunkCipher {
    public static final int FORMAT = 1;
    public static final int OVERHEAD = 2 + 12 + 16;
    private static final int SLICE = 16 << 10;
    private static final byte[] DOMAIN = "obnam-java blob".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCES_PER_DRAW = 64;

    /**
     * Each thread draws 64 nonces at a time from {@link SystemRandom}: drawn one by one from the
     * JDK's default {@code NativePRNG}, under its lock shared by every thread and mixed with
     * SHA1PRNG's output, they took 13% of the encoding threads' time for a backup of small files,
     * and the JIT compiled that mixing code for a tenth of a second.
     */
    private static final ThreadLocal<NonceSource> NONCES = ThreadLocal.withInitial(NonceSource::new);

    private static final class NonceSource {
        private final byte[] drawn = new byte[12 * NONCES_PER_DRAW];
        private int next = drawn.length;

        /** Writes the next 12-byte nonce into {@code dest} at {@code offset}. */
        void nextNonce(byte[] dest, int offset) {
            if (next == drawn.length) {
                SystemRandom.fill(drawn);
                next = 0;
            }
            System.arraycopy(drawn, next, dest, offset, 12);
            next += 12;
        }
    }

    private final SecretKeySpec key;
    private final ThreadLocal<Cipher> ciphers = ThreadLocal.withInitial(ChunkCipher::newCipher);

    ChunkCipher(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK", e);
        }
    }

    /** A decrypted blob: the caller's flags and the plaintext. */
    public record Opened(int flags, byte[] plaintext) {}

    public byte[] seal(ChunkKind kind, byte[] context, int flags, byte[] plaintext, int offset, int length) {
        byte[] out = new byte[OVERHEAD + length];
        sealInto(kind, context, flags, plaintext, offset, length, out, 0);
        return out;
    }

    /**
     * Seals into {@code out} at {@code outOffset}, which must have room for {@code OVERHEAD + length}
     * bytes: lets callers write blobs straight into a larger buffer (a pack) without a copy.
     */
    public void sealInto(ChunkKind kind, byte[] context, int flags, byte[] plaintext, int offset, int length,
            byte[] out, int outOffset) {
        try {
            Cipher c = start(kind, context, flags, out, outOffset);
            int n = 0;
            int done = 0;
            int base = outOffset + 14;
            // In slices: the JDK's GCM is several times faster on 16 KiB pieces than on one big array.
            while (length - done > SLICE) {
                n += c.update(plaintext, offset + done, SLICE, out, base + n);
                done += SLICE;
            }
            n += c.doFinal(plaintext, offset + done, length - done, out, base + n);
            if (n != length + 16) {
                throw new IllegalStateException("unexpected AES-GCM output length");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /**
     * Writes a blob's format, flags and a fresh nonce at {@code at} in {@code out} and returns this
     * thread's cipher, set up to encrypt the rest with that nonce and the blob's associated data.
     */
    private Cipher start(ChunkKind kind, byte[] context, int flags, byte[] out, int at) throws GeneralSecurityException {
        out[at] = FORMAT;
        out[at + 1] = (byte) flags;
        NONCES.get().nextNonce(out, at + 2);
        Cipher c = ciphers.get();
        c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, out, at + 2, 12));
        c.updateAAD(aad(kind, context, flags));
        return c;
    }

    /** Where {@link #sealTo} sends a blob, piece after piece: {@code at} is the piece's offset in the blob. */
    @FunctionalInterface
    public interface BlobSink<E extends Exception> {
        void write(long at, byte[] data, int from, int length) throws E;
    }

    /**
     * Seals as {@link #sealInto} does, but passes the blob to {@code sink} in pieces of at most
     * {@code scratch.length} bytes (at least {@code 2 * SLICE}) instead of needing room for all of
     * it: a large blob is written out without a buffer of its size.
     */
    public <E extends Exception> void sealTo(ChunkKind kind, byte[] context, int flags, byte[] plaintext, int offset,
            int length, byte[] scratch, BlobSink<E> sink) throws E {
        if (scratch.length < 2 * SLICE) {
            throw new IllegalArgumentException("scratch buffer of " + scratch.length + " bytes is too small");
        }
        long written = 0;
        try {
            Cipher c = start(kind, context, flags, scratch, 0);
            int filled = 14;
            int done = 0;
            while (length - done > SLICE) {
                if (scratch.length - filled < SLICE) {
                    sink.write(written, scratch, 0, filled);
                    written += filled;
                    filled = 0;
                }
                filled += c.update(plaintext, offset + done, SLICE, scratch, filled);
                done += SLICE;
            }
            if (scratch.length - filled < length - done + 16) {
                sink.write(written, scratch, 0, filled);
                written += filled;
                filled = 0;
            }
            filled += c.doFinal(plaintext, offset + done, length - done, scratch, filled);
            sink.write(written, scratch, 0, filled);
            written += filled;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
        if (written != OVERHEAD + (long) length) {
            throw new IllegalStateException("unexpected AES-GCM output length");
        }
    }

    public byte[] seal(ChunkKind kind, byte[] context, int flags, byte[] plaintext) {
        return seal(kind, context, flags, plaintext, 0, plaintext.length);
    }

    public Opened open(ChunkKind kind, byte[] context, byte[] blob) throws CryptoException {
        return open(kind, context, blob, 0, blob.length);
    }

    public Opened open(ChunkKind kind, byte[] context, byte[] blob, int offset, int length) throws CryptoException {
        byte[] plaintext = new byte[Math.max(0, length - OVERHEAD)];
        int flags = openInto(kind, context, blob, offset, length, plaintext);
        return new Opened(flags, plaintext);
    }

    /**
     * Decrypts into {@code out} (at least {@code length - OVERHEAD} bytes) and returns the blob's
     * flags; the plaintext is the first {@code length - OVERHEAD} bytes of {@code out}.
     */
    public int openInto(ChunkKind kind, byte[] context, byte[] blob, int offset, int length, byte[] out)
            throws CryptoException {
        if (length < OVERHEAD) {
            throw new CryptoException("encrypted chunk is too short (" + length + " bytes)");
        }
        int format = blob[offset] & 0xff;
        if (format != FORMAT) {
            // Bytes that are not a chunk at all (a range read from the wrong or a damaged object)
            // show an arbitrary first byte: only a small next number suggests a newer Obnam.
            throw new CryptoException("encrypted chunk has format " + format + ", this Obnam reads format " + FORMAT
                    + (format > FORMAT && format <= FORMAT + 8 ? ": upgrade Obnam, unless it is damaged"
                            : ": it is damaged, or not a chunk"));
        }
        int flags = blob[offset + 1] & 0xff;
        try {
            Cipher c = ciphers.get();
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, blob, offset + 2, 12));
            c.updateAAD(aad(kind, context, flags));
            c.doFinal(blob, offset + 14, length - 14, out, 0);
        } catch (AEADBadTagException e) {
            throw new CryptoException("chunk fails authentication: it is damaged, was tampered with, "
                    + "or is not the chunk that was asked for");
        } catch (GeneralSecurityException e) {
            throw new CryptoException("chunk cannot be decrypted: " + e.getMessage());
        }
        return flags;
    }

    private static byte[] aad(ChunkKind kind, byte[] context, int flags) {
        byte[] aad = new byte[DOMAIN.length + 3 + context.length];
        System.arraycopy(DOMAIN, 0, aad, 0, DOMAIN.length);
        aad[DOMAIN.length] = FORMAT;
        aad[DOMAIN.length + 1] = (byte) flags;
        aad[DOMAIN.length + 2] = (byte) kind.code();
        System.arraycopy(context, 0, aad, DOMAIN.length + 3, context.length);
        return aad;
    }
}
