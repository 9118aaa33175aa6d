package org.obnam.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * A request body as a blocking stream whose every wait is bounded. Jetty's own stream
 * ({@code Content.Source.asInputStream}) waits for content without limit, and with Jetty 12.1 an
 * HTTP/2 stream that Jetty resets (a body longer or shorter than its content-length, answered
 * with PROTOCOL_ERROR) never wakes it: the handler's thread was blocked for good, and some
 * hundred such requests, with no token needed, took every thread of the server. Here a waiting
 * read notices within a quarter of a second that its HTTP/2 stream is gone, and a read that gets
 * nothing within the wait fails with a {@link TimeoutException} as its cause (the endpoints
 * answer 408); a reading with a deadline (dropping an unread body) also ends there, so a client
 * trickling a byte now and then cannot hold a thread either, and any body that averages less
 * than {@link #MIN_BYTES_PER_SECOND} after its first minute is given up.
 */
final class RequestBody extends InputStream {
    /** How often a waiting read checks that its HTTP/2 stream still exists. */
    static final long STREAM_CHECK_MILLIS = 250;

    /**
     * The slowest a body may come, on average, once {@link #RATE_GRACE_MILLIS} have passed: a
     * client with a valid token that sent a byte now and then (never idle long enough for the
     * idle timeout) held a thread for as long as it liked, and 200 such took them all. Far below
     * any real link; a client this slow is told 408 and may try again.
     */
    static final long MIN_BYTES_PER_SECOND = 512;
    static final long RATE_GRACE_MILLIS = 60_000;

    private final Request source;
    private final long waitMillis;
    private final long deadlineNanos;
    private final long startNanos = System.nanoTime();
    private long received;
    private Content.Chunk chunk;
    private boolean ended;
    /** Set when Jetty fails the request (a reset stream): a wait ends at once instead of at its limit. */
    private volatile Throwable failure;
    private volatile CompletableFuture<Void> waiting;

    /**
     * @param waitMillis longest wait for the next piece of the body
     * @param deadlineMillis longest time for the whole body from now, or 0 for none
     */
    RequestBody(Request source, long waitMillis, long deadlineMillis) {
        this.source = source;
        this.waitMillis = waitMillis;
        this.deadlineNanos = deadlineMillis > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMillis) : 0;
        source.addFailureListener(this::failed);
    }

    private void failed(Throwable t) {
        failure = t;
        CompletableFuture<Void> w = waiting;
        if (w != null) {
            w.completeExceptionally(t);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            if (chunk != null) {
                if (Content.Chunk.isFailure(chunk)) {
                    throw new IOException("the request body failed: " + chunk.getFailure(), chunk.getFailure());
                }
                ByteBuffer data = chunk.getByteBuffer();
                if (data.hasRemaining()) {
                    int n = Math.min(len, data.remaining());
                    data.get(b, off, n);
                    received += n;
                    return n;
                }
                ended = chunk.isLast();
                chunk.release();
                chunk = null;
            }
            if (ended) {
                return -1;
            }
            chunk = source.read();
            if (chunk == null) {
                awaitContent();
                chunk = source.read();
            }
        }
    }

    private void awaitContent() throws IOException {
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        if (elapsedMillis > RATE_GRACE_MILLIS && received < MIN_BYTES_PER_SECOND * elapsedMillis / 1000) {
            throw new IOException("the request body came slower than " + MIN_BYTES_PER_SECOND + " bytes a second",
                    new TimeoutException());
        }
        long wait = waitMillis;
        if (deadlineNanos != 0) {
            wait = Math.min(wait, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
            if (wait <= 0) {
                throw new IOException("the request body took too long", new TimeoutException());
            }
        }
        CompletableFuture<Void> ready = new CompletableFuture<>();
        waiting = ready;
        Throwable failed = failure;
        if (failed != null) {
            throw new IOException("the request failed: " + failed, failed);
        }
        // Non-blocking, so Jetty may run it on the thread that read the data: a plain Runnable
        // counts as blocking and needs a pool thread of its own, and with the pool full of
        // handlers waiting here none was left to wake them (200 uploads at once stalled).
        source.demand(Invocable.from(Invocable.InvocationType.NON_BLOCKING, () -> ready.complete(null)));
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait);
        try {
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime());
                try {
                    ready.get(Math.max(1, Math.min(left, STREAM_CHECK_MILLIS)), TimeUnit.MILLISECONDS);
                    return;
                } catch (TimeoutException e) {
                    if (left <= STREAM_CHECK_MILLIS) {
                        throw e;
                    }
                    if (http2StreamGone()) {
                        throw new IOException("the request's HTTP/2 stream was reset before its body ended");
                    }
                }
            }
        } catch (TimeoutException e) {
            throw new IOException("no more of the request body came within " + wait + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the request body", e);
        } catch (ExecutionException e) {
            throw new IOException("the request body failed", e.getCause());
        }
    }

    /**
     * Whether the request came over HTTP/2 and its stream is no more. Jetty resets a stream whose
     * body disagrees with its content-length without waking a reader that waits for content (nor
     * calling the request's failure listeners), so a waiting read looks for itself.
     */
    private boolean http2StreamGone() {
        if (!(source.getConnectionMetaData().getConnection() instanceof HTTP2Connection h2)) {
            return false;
        }
        try {
            Stream stream = h2.getSession().getStream(Integer.parseInt(source.getId()));
            return stream == null || stream.isReset();
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Override
    public void close() {
        if (chunk != null) {
            chunk.release();
            chunk = null;
        }
    }
}
