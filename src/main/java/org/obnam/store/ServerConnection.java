package org.obnam.store;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContinueProtocolHandler;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.obnam.util.JsonTree;

/**
 * {@link HttpStore}'s HTTP plumbing: one Jetty client (TLS, HTTP/2 or HTTP/1.1 by ALPN) for one
 * server and token, sending requests and turning answers into {@link StoreException} kinds.
 */
final class ServerConnection implements AutoCloseable {
    private static final int MAX_RESPONSE_BYTES = (1 << 30) + (1 << 20);
    private static final int MAX_HEADER_BYTES = 256 << 10;
    /**
     * Bodies bigger than this are sent with {@code Expect: 100-continue}: a server that refuses the
     * upload (bad token, too big) says so before the body is sent, instead of resetting the stream
     * halfway, which would look like a network failure.
     */
    static final int EXPECT_CONTINUE_BYTES = 1 << 20;
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(120);

    private final String base;
    private final String authorization;
    private final HttpClient client;

    ServerConnection(String serverUrl, String accessToken, boolean verifyTlsCert, Path caCert) throws StoreException {
        this.base = baseUrl(serverUrl);
        this.authorization = "Bearer " + checkToken(accessToken);
        SslContextFactory.Client tls = new SslContextFactory.Client();
        tls.setSslContext(ServerTrust.context(verifyTlsCert, caCert));
        // With verification off, ServerTrust's trust-all manager skips the host name check as well.
        tls.setEndpointIdentificationAlgorithm("HTTPS");

        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("obnam-http");
        threads.setDaemon(true);
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(tls);
        connector.setConnectTimeout(Duration.ofSeconds(30));
        connector.setIdleTimeout(IDLE_TIMEOUT);
        connector.setExecutor(threads);
        ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("obnam-http-scheduler", true);
        connector.setScheduler(scheduler);
        HTTP2Client http2 = new HTTP2Client(connector);
        http2.setMaxRequestHeadersSize(MAX_HEADER_BYTES);
        http2.setMaxResponseHeadersSize(MAX_HEADER_BYTES);
        http2.setInitialSessionRecvWindow(64 << 20);
        http2.setInitialStreamRecvWindow(16 << 20);
        HttpClientTransportDynamic transport = new HttpClientTransportDynamic(connector,
                new ClientConnectionFactoryOverHTTP2.HTTP2(http2), HttpClientConnectionFactory.HTTP11);
        client = new HttpClient(transport);
        client.setExecutor(threads);
        client.setScheduler(scheduler); // daemon threads only: an unclosed store never keeps the JVM alive
        client.setFollowRedirects(false);
        client.setMaxRequestHeadersSize(MAX_HEADER_BYTES);
        client.setMaxResponseHeadersSize(MAX_HEADER_BYTES);
        client.setMaxRequestsQueuedPerDestination(1 << 16);
        client.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "obnam"));
        // No automatic 401 or redirect handling (we map statuses ourselves); only 100-continue.
        client.getProtocolHandlers().clear();
        client.getProtocolHandlers().put(new ContinueProtocolHandler());
        try {
            client.start();
        } catch (Exception e) {
            throw new StoreException("cannot start the HTTP client: " + e.getMessage(), e);
        }
    }

    private static String baseUrl(String serverUrl) throws StoreException {
        URI uri;
        try {
            uri = new URI(serverUrl == null ? "" : serverUrl.strip());
        } catch (URISyntaxException e) {
            throw new StoreException("server_url " + serverUrl + " is not a URL: use https://HOST:PORT");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("http")) {
            throw new StoreException("server_url " + serverUrl + " uses http:, which is not allowed:"
                    + " Obnam talks to its server only over TLS, so use https: (https://HOST:PORT)");
        }
        if (!scheme.equals("https") || uri.getHost() == null) {
            throw new StoreException("server_url " + serverUrl + " is not an https: URL such as https://HOST:PORT");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new StoreException("server_url " + serverUrl + " must be just https://HOST:PORT (perhaps with a path)");
        }
        String s = uri.toString();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    private static String checkToken(String token) throws StoreException {
        if (token == null || token.isBlank()) {
            throw new StoreException("no access token: set access_token or access_token_file in the client configuration");
        }
        String t = token.strip();
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c <= ' ' || c > '~') {
                throw new StoreException("the access token contains spaces or other characters a token cannot have:"
                        + " check access_token or access_token_file");
            }
        }
        return t;
    }

    String base() {
        return base;
    }

    @Override
    public void close() throws StoreException {
        try {
            client.stop();
        } catch (Exception e) {
            throw new StoreException("cannot close the connection to " + base + ": " + e.getMessage(), e);
        }
    }

    Request request(HttpMethod method, String path) {
        return client.newRequest(base + path)
                .method(method)
                .idleTimeout(IDLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .headers(h -> h.put(HttpHeader.AUTHORIZATION, authorization));
    }

    static Request withBody(Request request, byte[] body) {
        return withBody(request, new BytesRequestContent("application/octet-stream", body), body.length);
    }

    /** A request whose body is read from {@code file} as it is sent. */
    static Request withBody(Request request, java.nio.file.Path file, long length) throws java.io.IOException {
        return withBody(request, new org.eclipse.jetty.client.PathRequestContent("application/octet-stream", file, 256 << 10), length);
    }

    private static Request withBody(Request request, Request.Content content, long length) {
        request.body(content);
        if (length > EXPECT_CONTINUE_BYTES) {
            request.headers(h -> h.put(HttpHeader.EXPECT, "100-continue"));
        }
        return request;
    }

    /** A complete response: status, headers and the whole body. */
    record Reply(int status, String reason, HttpFields headers, byte[] content) {}

    /**
     * Collects a response. A complete response counts even when sending the request failed: the
     * server may answer an error before reading the whole body (or refuse an Expect: 100-continue),
     * and that answer, not the aborted upload, is what the caller must hear.
     */
    private static class Collector extends BufferingResponseListener {
        final CompletableFuture<Reply> reply = new CompletableFuture<>();

        Collector() {
            super(MAX_RESPONSE_BYTES);
        }

        @Override
        public void onComplete(Result result) {
            Response r = result.getResponse();
            if (result.getResponseFailure() == null && r != null && r.getStatus() >= 200) {
                reply.complete(new Reply(r.getStatus(), r.getReason(), r.getHeaders(), getContent()));
            } else {
                reply.completeExceptionally(result.getFailure());
            }
        }
    }

    /** A response to a range request whose body, if the server sent the range, is in the caller's array. */
    record RangeReply(Reply reply, boolean inArray, int length) {}

    /** A response whose body, if it is a 200 answer of a stated length, is in {@code array} (else null). */
    record BodyReply(Reply reply, byte[] array, int length) {}

    /**
     * Collects a response whose body goes straight into the caller's array when its status is the
     * one expected (a restore reads megabytes per chunk and pack, and buffering each in a response,
     * then copying it, made two arrays each that only a collection of the old generation freed);
     * any other answer is collected like any response, for the caller to handle. The fields are
     * read once the reply is complete.
     */
    private abstract static class IntoArrayCollector extends Collector {
        private byte[] dest;
        private int capacity;
        private int filled;
        /** What went wrong taking the caller's array (Jetty only logs what a listener throws). */
        private volatile Throwable failure;

        /** Where a response's body goes: {@code array}, of which at most {@code capacity} bytes. */
        record Target(byte[] array, int capacity) {}

        /** Where this response's body goes, or null to buffer it as any response's. */
        abstract Target targetFor(Response response);

        /** The array the body went into, or null when it was buffered as any response's. */
        byte[] dest() {
            return dest;
        }

        int filled() {
            return filled;
        }

        int capacity() {
            return capacity;
        }

        /** Rethrows, as itself, what went wrong taking the caller's array, if anything did. */
        void rethrowFailure() {
            switch (failure) {
                case null -> {}
                case Error e -> throw e;
                case RuntimeException e -> throw e;
                default -> throw new IllegalStateException(failure);
            }
        }

        @Override
        public void onHeaders(Response response) {
            try {
                Target target = targetFor(response);
                if (target != null) {
                    if (target.array().length < target.capacity()) {
                        throw new IllegalArgumentException("an array of " + target.array().length + " bytes cannot take "
                                + target.capacity());
                    }
                    dest = target.array();
                    capacity = target.capacity();
                }
            } catch (Throwable t) {
                failure = t;
                dest = null;
                response.abort(t);
                return;
            }
            if (dest == null) {
                super.onHeaders(response);
            }
        }

        @Override
        public void onContent(Response response, Content.Chunk chunk, Runnable demander) throws Exception {
            if (dest == null) {
                super.onContent(response, chunk, demander);
                return;
            }
            java.nio.ByteBuffer content = chunk.getByteBuffer();
            int n = content.remaining();
            if (n > capacity - filled) {
                response.abort(new IOException("the server sent more than the " + capacity + " bytes it announced"));
            } else {
                content.get(dest, filled, n);
                filled += n;
            }
            demander.run(); // the next chunk, as the default listener asks for it
        }
    }

    private static final class RangeCollector extends IntoArrayCollector {
        private final byte[] given;
        private final int givenCapacity;

        RangeCollector(byte[] given, int givenCapacity) {
            this.given = given;
            this.givenCapacity = givenCapacity;
        }

        @Override
        Target targetFor(Response response) {
            return response.getStatus() == 206 ? new Target(given, givenCapacity) : null;
        }
    }

    /** Fills an array from {@code arrays}, asked for the body's length, with a 200 answer's body of a stated length. */
    private static final class BodyCollector extends IntoArrayCollector {
        private final IntFunction<byte[]> arrays;

        BodyCollector(IntFunction<byte[]> arrays) {
            this.arrays = arrays;
        }

        @Override
        Target targetFor(Response response) {
            long length = response.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
            // An encoded body (a proxy's gzip, say) is decoded to another length than it states.
            if (response.getStatus() != 200 || length < 0 || length > MAX_RESPONSE_BYTES
                    || response.getHeaders().contains(HttpHeader.CONTENT_ENCODING)) {
                return null;
            }
            return new Target(arrays.apply((int) length), (int) length);
        }
    }

    /** Like {@link #send}, for a range request whose body may go into {@code dest} (at most {@code capacity} bytes). */
    RangeReply sendRange(Request request, String what, byte[] dest, int capacity) throws StoreException {
        RangeCollector collector = new RangeCollector(dest, capacity);
        Reply reply = awaitInto(request, collector, what);
        return new RangeReply(reply, collector.dest() != null, collector.filled());
    }

    /**
     * Like {@link #send}, for a request whose 200 answer's body goes into an array from
     * {@code arrays}; a body shorter than its stated length is an error.
     */
    BodyReply sendInto(Request request, String what, IntFunction<byte[]> arrays) throws StoreException {
        BodyCollector collector = new BodyCollector(arrays);
        Reply reply = awaitInto(request, collector, what);
        if (collector.dest() == null) {
            return new BodyReply(reply, null, 0);
        }
        if (collector.filled() != collector.capacity()) {
            throw new StoreException.Transient("the server at " + base + " sent " + collector.filled() + " of the "
                    + collector.capacity() + " bytes it announced while " + what, null);
        }
        return new BodyReply(reply, collector.dest(), collector.filled());
    }

    /** As {@link #await}, but a failure to take the caller's array is the caller's, not the network's. */
    private Reply awaitInto(Request request, IntoArrayCollector collector, String what) throws StoreException {
        try {
            return await(request, collector, what);
        } finally {
            collector.rethrowFailure();
        }
    }

    Reply send(Request request, String what) throws StoreException {
        return await(request, new Collector(), what);
    }

    private Reply await(Request request, Collector collector, String what) throws StoreException {
        try {
            request.send(collector);
            return collector.reply.get();
        } catch (InterruptedException e) {
            request.abort(e);
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while " + what + " at " + base, e);
        } catch (ExecutionException e) {
            throw connectionFailure(e.getCause() == null ? e : e.getCause(), what);
        } catch (RuntimeException e) {
            throw new StoreException.Transient("cannot send a request to " + base + " while " + what + ": " + e, e);
        }
    }

    private StoreException connectionFailure(Throwable failure, String what) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ServerTrust.Untrusted u) {
                // Retrying cannot help: the configuration must change.
                return new StoreException("cannot connect to " + base + ": " + u.getMessage(), failure);
            }
        }
        String detail = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        return new StoreException.Transient("cannot reach the server at " + base + " while " + what + ": " + detail, failure);
    }

    void expect(Reply resp, String what, int... ok) throws StoreException {
        int status = resp.status();
        for (int s : ok) {
            if (status == s) {
                return;
            }
        }
        throw failure(resp, what);
    }

    private StoreException failure(Reply resp, String what) {
        int status = resp.status();
        JsonTree body = errorBody(resp);
        String message = body.path("error").asText("");
        if (message.isEmpty()) {
            message = "HTTP " + status + (resp.reason() == null ? "" : " " + resp.reason());
        }
        return switch (status) {
            case 401 -> new StoreException.Forbidden("the server at " + base + " refused the access token (" + message
                    + "): check access_token or access_token_file in the client configuration, or ask the server's"
                    + " operator for a new token");
            case 403 -> new StoreException.Forbidden("the server at " + base + " does not allow " + what + ": " + message);
            case 404 -> new StoreException.NotFound(what + ": not found at " + base);
            case 409 -> new StoreException.Conflict(what + ": " + message, body.path("version").asLong(-1));
            case 507 -> new StoreException.NoSpace("the server at " + base + " has run out of storage space while "
                    + what + ": its operator must free space or add storage before backups can continue", null);
            case 408, 429 -> new StoreException.Transient("the server at " + base + " is busy (" + message + ") while " + what, null);
            default -> {
                if (status >= 400 && status < 500) {
                    yield new StoreException.BadRequest("the server at " + base + " refused " + what + ": " + message);
                }
                if (status >= 500 && body.path("corrupt").asBoolean(false)) {
                    yield new StoreException.Corrupt("the server at " + base + " reports damaged data while " + what
                            + ": " + message);
                }
                if (status >= 500) {
                    yield new StoreException.Transient("the server at " + base + " failed while " + what + ": " + message, null);
                }
                yield new StoreException("the server at " + base + " gave an unexpected answer while " + what
                        + ": HTTP " + status);
            }
        };
    }

    private static JsonTree errorBody(Reply resp) {
        try {
            return JsonTree.parse(resp.content());
        } catch (IOException e) {
            return JsonTree.missing();
        }
    }

    JsonTree json(Reply resp) throws StoreException {
        try {
            JsonTree n = JsonTree.parse(resp.content());
            if (n.isMissing()) {
                throw new IOException("empty body");
            }
            return n;
        } catch (IOException e) {
            throw new StoreException("the server at " + base + " sent a response that is not JSON: " + e.getMessage(), e);
        }
    }
}
