package org.obnam.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/** One request and its response, with the few reading and writing operations the API needs. */
final class Exchange {
    static final String JSON_TYPE = "application/json";
    static final String BYTES_TYPE = "application/octet-stream";

    private final Request request;
    private final Response response;
    private final Callback callback;
    private final BodyBudget budget;
    private BodyBudget.Lease bodyLease;
    private boolean sent;
    private boolean bodyRead;

    /**
     * An error answered before the body was read leaves the client sending into a stream the
     * server no longer reads; HTTP/2 then resets the stream and the client sees a broken
     * connection, not the error. So up to this much unread body is read and dropped first.
     * Clients with big bodies send Expect: 100-continue and never get that far.
     */
    static final long DRAIN_BYTES = 4L << 20;

    /** Pieces a body of unknown length is collected in before it is copied into one array. */
    private static final int PIECE_BYTES = 1 << 20;

    /** How long dropping an unread body may take in all: a client trickling bytes must not hold a thread. */
    static final long DRAIN_MILLIS = 10_000;

    private final long bodyWaitMillis;

    /** @param idleTimeoutMillis the connections' idle timeout: a body that stalls longer is given up */
    Exchange(Request request, Response response, Callback callback, BodyBudget budget, long idleTimeoutMillis) {
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.budget = budget;
        this.bodyWaitMillis = idleTimeoutMillis + 1000; // Jetty's own idle timeout normally comes first
    }

    String method() {
        return request.getMethod();
    }

    String path() {
        return Request.getPathInContext(request);
    }

    /**
     * A request header's first value, or null. The fields are read one by one, never with
     * {@code HttpFields.get}: with Jetty 12.1.14, after an HTTP/2 request whose header block Jetty
     * refused (such as {@code :path /..}), {@code get} and {@code getField} on the next request of
     * that connection can return a header of the refused request (its Authorization, Range or
     * Chunk-Meta), while iterating sees only the request's own headers. Found by
     * ServerRequestFuzzTest; Http2StaleHeaderTest keeps it fixed.
     */
    String header(String name) {
        for (HttpField f : request.getHeaders()) {
            if (f.is(name)) {
                return f.getValue();
            }
        }
        return null;
    }

    /** A query parameter, or null. */
    String query(String name) throws ApiError {
        Fields fields;
        try {
            fields = Request.extractQueryParameters(request);
        } catch (RuntimeException e) {
            throw ApiError.badRequest("the query string is malformed");
        }
        Fields.Field f = fields.get(name);
        return f == null ? null : f.getValue();
    }

    /**
     * The whole request body, refused when longer than {@code max} bytes: up front when the client
     * declares its length, else as soon as more arrives. A stalled client runs into the idle timeout.
     * The body's bytes are reserved in the server's {@link BodyBudget} first (503 when there is no
     * room); {@link #releaseBody} gives them back once the request is done with the array.
     */
    byte[] body(long max) throws ApiError {
        long declared = request.getLength();
        if (declared > max) {
            throw tooLarge(max);
        }
        if (bodyLease == null) {
            bodyLease = budget.reserve(declared);
        }
        bodyRead = true;
        try (InputStream in = new RequestBody(request, bodyWaitMillis, 0)) {
            if (declared >= 0) {
                // One array of the declared size: readNBytes(int) would collect pieces and copy them, twice the memory.
                byte[] body = new byte[(int) declared];
                if (in.readNBytes(body, 0, body.length) != declared) {
                    throw ApiError.badRequest("the request body ended before its declared length");
                }
                return body;
            }
            return readUnknownLength(in, max);
        } catch (IOException e) {
            if (isTimeout(e)) {
                throw new ApiError(408, "timed out waiting for the request body");
            }
            throw ApiError.badRequest("cannot read the request body");
        }
    }

    /** Receives a request body piece by piece: {@code length} bytes of {@code piece} that belong at {@code offset}. */
    @FunctionalInterface
    interface BodySink<E extends Exception> {
        void accept(long offset, byte[] piece, int length) throws E;
    }

    /** How much of a streamed body is in memory at once. */
    static final int STREAM_PIECE_BYTES = 256 << 10;

    /** 413 when the client declared a body longer than {@code max}; nothing is read. */
    void refuseDeclaredOver(long max) throws ApiError {
        if (request.getLength() > max) {
            throw tooLarge(max);
        }
    }

    /**
     * Hands the request body to {@code sink} in pieces of at most {@link #STREAM_PIECE_BYTES} as it
     * arrives and returns its length: a body of any size costs the server one piece of memory, so
     * it needs no room in the {@link BodyBudget}. Refused with 413 when longer than {@code max} (up
     * front when the length is declared, else as soon as more arrives), 400 when it ends before its
     * declared length. When the sink fails, the rest of the body is read and dropped before the
     * failure is thrown, so that the client hears the answer instead of a reset stream.
     */
    <E extends Exception> long streamBody(long max, BodySink<E> sink) throws ApiError, E {
        long declared = request.getLength();
        refuseDeclaredOver(max);
        bodyRead = true;
        byte[] piece = new byte[STREAM_PIECE_BYTES];
        long total = 0;
        Exception sinkFailure = null; // thrown outside the reading: the sink's may be IOExceptions too
        try (InputStream in = new RequestBody(request, bodyWaitMillis, 0)) {
            while (true) {
                int n = in.readNBytes(piece, 0, (int) Math.min(piece.length, max + 1 - total));
                if (n == 0) {
                    break;
                }
                if (total + n > max) {
                    throw tooLarge(max);
                }
                try {
                    sink.accept(total, piece, n);
                } catch (Exception e) {
                    sinkFailure = e;
                    discardRest(in, piece, declared >= 0 ? declared - total - n : max - total - n);
                    break;
                }
                total += n;
            }
        } catch (IOException e) {
            if (isTimeout(e)) {
                throw new ApiError(408, "timed out waiting for the request body");
            }
            throw ApiError.badRequest("cannot read the request body");
        }
        if (sinkFailure != null) {
            @SuppressWarnings("unchecked")
            E failure = (E) sinkFailure; // accept throws only E, or unchecked exceptions
            if (sinkFailure instanceof RuntimeException r) {
                throw r;
            }
            throw failure;
        }
        if (declared >= 0 && total != declared) {
            throw ApiError.badRequest("the request body ended before its declared length");
        }
        return total;
    }

    private static void discardRest(InputStream in, byte[] buffer, long atMost) {
        try {
            for (long left = atMost; left > 0; ) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    return;
                }
                left -= n;
            }
        } catch (IOException e) {
            // the client went away or stalled: the failure is answered anyway
        }
    }

    /** A body without a declared length (chunked): refused with 413 as soon as it has more than {@code max} bytes. */
    private static byte[] readUnknownLength(InputStream in, long max) throws IOException, ApiError {
        List<byte[]> pieces = new ArrayList<>();
        long total = 0;
        while (true) {
            byte[] piece = new byte[(int) Math.min(PIECE_BYTES, max + 1 - total)];
            int n = in.readNBytes(piece, 0, piece.length);
            total += n;
            if (total > max) {
                throw tooLarge(max);
            }
            if (n < piece.length) {
                pieces.add(Arrays.copyOf(piece, n));
                break;
            }
            pieces.add(piece);
        }
        byte[] body = new byte[(int) total];
        int at = 0;
        for (byte[] p : pieces) {
            System.arraycopy(p, 0, body, at, p.length);
            at += p.length;
        }
        return body;
    }

    /** Gives back the room {@link #body} reserved; the body's array must no longer be used. Idempotent. */
    void releaseBody() {
        if (bodyLease != null) {
            bodyLease.close();
        }
    }

    private static ApiError tooLarge(long max) {
        return new ApiError(413, "the request body is larger than this server's limit of " + max + " bytes")
                .with("max_body_bytes", max);
    }

    private static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** A request body parsed as JSON; 400 when it is not JSON. */
    JsonNode jsonBody(long max) throws ApiError {
        byte[] body = body(max);
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw ApiError.badRequest("the request body must be JSON");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("the request body is not valid JSON");
        } catch (IOException e) {
            throw ApiError.badRequest("cannot read the request body");
        }
    }

    void setHeader(String name, String value) {
        response.getHeaders().put(name, value);
    }

    void setHeader(HttpField field) {
        response.getHeaders().put(field);
    }

    void sendJson(int status, JsonNode body) {
        byte[] bytes;
        try {
            bytes = Json.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
        send(status, JSON_TYPE, bytes, 0, bytes.length);
    }

    void sendBytes(int status, byte[] body) {
        send(status, BYTES_TYPE, body, 0, body.length);
    }

    /** Fills a piece of a response body: all of {@code into}'s remaining bytes, from {@code offset} of the body on. */
    @FunctionalInterface
    interface BodySource<E extends Exception> {
        void fill(long offset, ByteBuffer into) throws E;
    }

    /**
     * Sends a body of {@code length} bytes that {@code source} fills piece by piece, each written
     * before the next is read: a body of any size costs one piece of memory. A failure of the
     * source after the headers went out can no longer be answered: it is thrown, and the error
     * handling resets the stream. A client that goes away ends the exchange quietly.
     */
    <E extends Exception> void sendStream(int status, long length, BodySource<E> source) throws E {
        ByteBuffer piece = ByteBuffer.allocate((int) Math.min(STREAM_PIECE_BYTES, length));
        // The first piece before the headers: a failure to read it is still answered as an error.
        long offset = fillNext(source, piece, 0, length);
        sent = true;
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, BYTES_TYPE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, length);
        while (offset < length) {
            try (Blocker.Callback written = Blocker.callback()) {
                response.write(false, piece, written);
                written.block();
            } catch (IOException e) {
                callback.failed(e); // the client is gone or stalled past the idle timeout
                return;
            }
            offset = fillNext(source, piece, offset, length);
        }
        response.write(true, piece, callback);
    }

    /** Fills {@code piece} with the body's next bytes from {@code offset}, ready to write; returns the offset after them. */
    private static <E extends Exception> long fillNext(BodySource<E> source, ByteBuffer piece, long offset, long length)
            throws E {
        piece.clear().limit((int) Math.min(piece.capacity(), length - offset));
        source.fill(offset, piece);
        long next = offset + piece.limit();
        piece.flip();
        return next;
    }

    /** Headers only, for HEAD: the length the body would have. */
    void sendHead(int status, long contentLength) {
        sent = true;
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, BYTES_TYPE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, contentLength);
        response.write(true, null, callback);
    }

    void sendError(ApiError e) {
        if (sent || response.isCommitted()) {
            callback.failed(new IOException(e.getMessage()));
            return;
        }
        if (!bodyRead) {
            drain();
        }
        response.reset();
        e.headers().forEach((name, value) -> response.getHeaders().put(name, value));
        sendJson(e.status(), e.body());
    }

    private void drain() {
        long declared = request.getLength();
        String expect = header(HttpHeader.EXPECT.asString());
        if (declared == 0 || declared > DRAIN_BYTES || (expect != null && expect.toLowerCase(java.util.Locale.ROOT).contains("100-continue"))) {
            return; // nothing to read, too much to bother, or the client waits for our word before sending
        }
        try (RequestBody in = new RequestBody(request, bodyWaitMillis, DRAIN_MILLIS)) {
            discardRest(in, new byte[64 << 10], DRAIN_BYTES + 1);
        }
    }

    private void send(int status, String type, byte[] body, int offset, int length) {
        sent = true;
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, length);
        response.write(true, ByteBuffer.wrap(body, offset, length), callback);
    }

    boolean sent() {
        return sent;
    }

    int status() {
        return response.getStatus();
    }
}
