package org.obnam.crypto;

import java.util.Arrays;

/**
 * Gets the JDK's AES-GCM decryption and HMAC-SHA-256 compiled before a restore or check needs them.
 *
 * <p>Their fast CPU instructions (AES-NI, carry-less multiply, SHA-NI) are used only from code
 * that the C2 compiler has compiled, and C2 compiles a method after some hundreds of calls. A
 * restore decrypts and labels each chunk in one call, so with megabyte chunks it processed its
 * first few hundred megabytes in the JDK's pure-Java fallback (about a third of the CPU of a
 * 532 MB restore). Here a spare thread makes those calls on throw-away data at start-up, while
 * the command opens its repository and generation, so C2 has compiled them by the time real
 * chunks arrive. A few of the calls are larger than a megabyte because the JDK splits those, and
 * C2 would otherwise leave that path out of its code and recompile when the first big chunk came.
 *
 * <p>Backups do not start it: measured, the same warm-up made them no faster. They encrypt in
 * 16 KiB slices, many calls per chunk, and keep both cores busy from their first files, so the
 * warm-up only competed with them.
 */
public final class JitWarmUp {
    private static final int SMALL = 4 << 10;
    private static final int LARGE = (1 << 20) + (16 << 10);
    private static final int CALLS = 600;
    private static final int LARGE_EVERY = 300;

    private JitWarmUp() {}

    /** Starts the warm-up for decryption and labelling on a daemon thread; returns at once. */
    public static void startForReading() {
        Thread t = new Thread(JitWarmUp::runQuietly, "obnam-jit-warm-up");
        t.setDaemon(true);
        t.start();
    }

    private static void runQuietly() {
        try {
            openAndLabel();
        } catch (RuntimeException | CryptoException e) {
            // Only speed is at stake here: the restore decrypts and verifies every real chunk itself
            // and reports any failure there.
        }
    }

    /** What a warm-up did: how many blobs it opened and the size of the largest. */
    record Done(int blobs, int largest) {}

    static Done openAndLabel() throws CryptoException {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) 7);
        ChunkCipher cipher = new ChunkCipher(key);
        Labeller labeller = new Labeller(key);
        byte[] context = new byte[32];
        byte[] small = new byte[SMALL];
        // One large plaintext array serves as what is sealed, labelled and opened into: its
        // contents do not matter here, and each array of this size is a megabyte of the heap's
        // old generation for the rest of the command.
        byte[] opened = new byte[LARGE];
        byte[] sealedSmall = cipher.seal(ChunkKind.DATA, context, 0, small);
        byte[] sealedLarge = cipher.seal(ChunkKind.DATA, context, 0, opened);
        int largest = 0;
        for (int i = 1; i <= CALLS; i++) {
            boolean big = i % LARGE_EVERY == 0;
            labeller.label(big ? opened : small);
            byte[] sealed = big ? sealedLarge : sealedSmall;
            cipher.openInto(ChunkKind.DATA, context, sealed, 0, sealed.length, opened);
            largest = Math.max(largest, sealed.length - ChunkCipher.OVERHEAD);
        }
        return new Done(CALLS, largest);
    }
}
