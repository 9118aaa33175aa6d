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
    private BodyBudget.Lease responseLease;
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

    Exchange(Request request, Response response, Callback callback, BodyBudget budget) {
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.budget = budget;
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
        try (InputStream in = Content.Source.asInputStream(request)) {
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
        if (responseLease != null) { // reserved, but no response body was sent
            responseLease.close();
            responseLease = null;
        }
    }

    /**
     * Reserves room in the server's {@link BodyBudget} for a response body of {@code length}
     * bytes about to be read into memory (503 when there is none): many clients fetching whole
     * packs at once ran the heap out as surely as big uploads. The room is given back when the
     * response has been written.
     */
    void reserveResponse(long length) throws ApiError {
        responseLease = budget.reserve(length);
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
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] buffer = new byte[64 << 10];
            long total = 0;
            for (int n; total <= DRAIN_BYTES && (n = in.read(buffer)) >= 0; ) {
                total += n;
            }
        } catch (IOException e) {
            // the client went away or stalled: the error is answered anyway
        }
    }

    private void send(int status, String type, byte[] body, int offset, int length) {
        sent = true;
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, length);
        Callback done = callback;
        BodyBudget.Lease lease = responseLease;
        if (lease != null) {
            responseLease = null; // the array is in use until the write completes: released then
            done = new Callback() {
                @Override
                public void succeeded() {
                    lease.close();
                    callback.succeeded();
                }

                @Override
                public void failed(Throwable x) {
                    lease.close();
                    callback.failed(x);
                }

                @Override
                public InvocationType getInvocationType() {
                    return callback.getInvocationType();
                }
            };
        }
        response.write(true, ByteBuffer.wrap(body, offset, length), done);
    }

    boolean sent() {
        return sent;
    }

    int status() {
        return response.getStatus();
    }
}
