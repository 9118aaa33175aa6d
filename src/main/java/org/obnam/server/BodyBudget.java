package org.obnam.server;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * How many bytes of record and label-list bodies the server holds in its heap at once. Those are
 * read whole before they are used (chunks are not: they stream between the network and their
 * files), so without a bound many big ones at once, or one over a small heap, ended in
 * OutOfMemoryError and failed everyone's requests. Two limits follow from the heap:
 *
 * <ul>
 *   <li>the largest such body accepted is the configured {@code max_body_bytes}, lowered to a
 *       quarter of the heap, but never below the largest upload of a client with the default
 *       {@code chunk_size} (a pack);
 *   <li>all of them being read at once share a third of the heap (a body over half a MiB goes
 *       straight to the old generation, two thirds of the heap, which the server's own data
 *       shares). A request reserves its declared length before it reads a byte (a body of
 *       unknown length reserves twice the limit, as it is collected in pieces and copied once);
 *       when the reservation cannot be had within a short wait the request gets 503 with
 *       Retry-After, which Obnam clients retry.
 * </ul>
 */
final class BodyBudget {
    /**
     * The largest upload of a client with the default chunk_size: one pack (PackLayout.TARGET_BYTES;
     * the server may not depend on client code, ServerArchitectureTest keeps them apart).
     */
    static final long CLIENT_PACK_BYTES = 8L << 20;

    /** How long a request waits for room before it is told to come back. */
    static final long DEFAULT_WAIT_MILLIS = 5_000;

    /** The seconds a 503 tells the client to wait. */
    static final String RETRY_AFTER_SECONDS = "2";

    private static final int UNIT = 1024; // permits count KiB, so a budget of any heap fits in an int

    private final long maxBody;
    private final long totalBytes;
    private final int totalPermits;
    private final long waitMillis;
    private final Semaphore permits;

    BodyBudget(long configuredMaxBody, long heapBytes, long waitMillis) {
        this.maxBody = effectiveMaxBody(configuredMaxBody, heapBytes);
        this.totalBytes = Math.max(heapBytes / 3, maxBody);
        this.totalPermits = (int) Math.min(Integer.MAX_VALUE, totalBytes / UNIT);
        this.waitMillis = waitMillis;
        this.permits = new Semaphore(totalPermits); // not fair: a small body may pass a big one that waits
    }

    /** The budget of this JVM's heap ({@link Runtime#maxMemory}). */
    static BodyBudget forThisHeap(long configuredMaxBody) {
        return new BodyBudget(configuredMaxBody, Runtime.getRuntime().maxMemory(), DEFAULT_WAIT_MILLIS);
    }

    /** The body limit the server enforces: the configured one, lowered to a quarter of the heap, never below a pack. */
    static long effectiveMaxBody(long configured, long heapBytes) {
        return Math.min(configured, Math.max(heapBytes / 4, CLIENT_PACK_BYTES));
    }

    long maxBody() {
        return maxBody;
    }

    long totalBytes() {
        return totalBytes;
    }

    /** Bytes not reserved right now (rounded to whole KiB). */
    long availableBytes() {
        return (long) permits.availablePermits() * UNIT;
    }

    /**
     * Reserves room for a body of {@code declaredLength} bytes, or of unknown length when negative;
     * 503 when there is no room within the wait. The caller checked the length against
     * {@link #maxBody} and must close the lease.
     */
    Lease reserve(long declaredLength) throws ApiError {
        long bytes = declaredLength >= 0 ? declaredLength : 2 * maxBody;
        int n = (int) Math.min(totalPermits, (bytes + UNIT - 1) / UNIT);
        try {
            if (n > 0 && !permits.tryAcquire(n, waitMillis, TimeUnit.MILLISECONDS)) {
                throw busy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy();
        }
        return new Lease(n);
    }

    private static ApiError busy() {
        return new ApiError(503, "the server is busy receiving other uploads; try again shortly")
                .header("Retry-After", RETRY_AFTER_SECONDS);
    }

    /** Room reserved for one body; closing it (once or more) gives the room back. */
    final class Lease implements AutoCloseable {
        private int held;

        private Lease(int held) {
            this.held = held;
        }

        @Override
        public synchronized void close() { // a response's is closed by whichever thread completes its write
            int n = held;
            held = 0;
            if (n > 0) {
                permits.release(n);
            }
        }
    }
}
