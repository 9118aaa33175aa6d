package org.obnam.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.BufferingResponseListener;
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
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * A repository on an {@code obnam-server}: the chunk API over HTTPS, HTTP/2 when the server offers
 * it (many requests in flight on one connection), else HTTP/1.1. Thread-safe: the backup pipeline
 * calls it from several threads at once.
 *
 * <p>Failures map to {@link StoreException} kinds: 404 NotFound, 409 Conflict, 401/403 Forbidden,
 * other 4xx BadRequest, 5xx and network failures Transient (see {@link RetryingStore}), a damaged
 * object on the server Corrupt, and an untrusted certificate a plain StoreException that says how to
 * fix it. {@link #flush} does nothing: the server makes each upload durable before it answers.
 */
public final class HttpStore implements Store {
    /** Labels per batch look-up request; servers accept at least this many. */
    static final int LOOKUP_BATCH = 1000;
    static final int PAGE = 1000;
    private static final int MAX_RESPONSE_BYTES = (1 << 30) + (1 << 20);
    private static final int MAX_HEADER_BYTES = 256 << 10;
    /**
     * Bodies bigger than this are sent with {@code Expect: 100-continue}: a server that refuses the
     * upload (bad token, too big) says so before the body is sent, instead of resetting the stream
     * halfway, which would look like a network failure.
     */
    static final int EXPECT_CONTINUE_BYTES = 1 << 20;
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private final String base;
    private final String authorization;
    private final HttpClient client;
    private int pageSize = PAGE;

    /** A store at {@code serverUrl} ({@code https://HOST:PORT}) that verifies the server's certificate. */
    public HttpStore(String serverUrl, String accessToken) throws StoreException {
        this(serverUrl, accessToken, true, null);
    }

    /**
     * @param verifyTlsCert false accepts any certificate (the {@code verify_tls_cert: false} setting)
     * @param caCert a PEM file of the CA (or the server's own self-signed certificate) to trust
     *     instead of the system's CAs, or null
     */
    public HttpStore(String serverUrl, String accessToken, boolean verifyTlsCert, Path caCert) throws StoreException {
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
        connector.setScheduler(new ScheduledExecutorScheduler("obnam-http-scheduler", true));
        HTTP2Client http2 = new HTTP2Client(connector);
        http2.setMaxRequestHeadersSize(MAX_HEADER_BYTES);
        http2.setMaxResponseHeadersSize(MAX_HEADER_BYTES);
        http2.setInitialSessionRecvWindow(64 << 20);
        http2.setInitialStreamRecvWindow(16 << 20);
        HttpClientTransportDynamic transport = new HttpClientTransportDynamic(connector,
                new ClientConnectionFactoryOverHTTP2.HTTP2(http2), HttpClientConnectionFactory.HTTP11);
        client = new HttpClient(transport);
        client.setExecutor(threads);
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

    @Override
    public String describe() {
        return base;
    }

    // ---- objects

    @Override
    public ObjectId put(ObjectMeta meta, byte[] body) throws StoreException {
        Request r = withBody(request(HttpMethod.POST, "/v1/chunks"), body)
                .headers(h -> h.put(ChunkMetaHeader.NAME, ChunkMetaHeader.encode(meta)));
        Reply resp = send(r, "uploading a chunk");
        expect(resp, "uploading a chunk", 200, 201);
        return objectId(json(resp).path("chunk_id").asText(), "uploading a chunk");
    }

    @Override
    public StoredObject get(ObjectId id) throws StoreException {
        String what = "fetching chunk " + id;
        Reply resp = send(request(HttpMethod.GET, chunkPath(id)), what);
        expect(resp, what, 200);
        return new StoredObject(meta(resp, id), resp.content());
    }

    @Override
    public byte[] getRange(ObjectId id, long offset, int length) throws StoreException {
        String what = "fetching " + length + " bytes at " + offset + " of chunk " + id;
        if (offset < 0 || length < 0) {
            throw new StoreException.BadRequest(what + ": offset and length must not be negative");
        }
        if (length == 0) {
            Reply head = send(request(HttpMethod.HEAD, chunkPath(id)), what);
            expect(head, what, 200);
            checkRange(what, offset, length, head.headers().getLongField(HttpHeader.CONTENT_LENGTH));
            return new byte[0];
        }
        long last = offset + length - 1;
        Reply resp = send(request(HttpMethod.GET, chunkPath(id))
                .headers(h -> h.put(HttpHeader.RANGE, "bytes=" + offset + "-" + last)), what);
        if (resp.status() == 416) {
            long size = json(resp).path("size").asLong(-1);
            throw new StoreException.BadRequest(what + ": the range is outside the chunk"
                    + (size >= 0 ? ", which has " + size + " bytes" : ""));
        }
        expect(resp, what, 200, 206);
        byte[] content = resp.content();
        if (resp.status() == 200) { // the server sent it all
            checkRange(what, offset, length, content.length);
            return java.util.Arrays.copyOfRange(content, (int) offset, (int) offset + length);
        }
        String range = resp.headers().get(HttpHeader.CONTENT_RANGE);
        Matcher m = range == null ? null : CONTENT_RANGE.matcher(range);
        if (m == null || !m.matches() || Long.parseLong(m.group(1)) != offset) {
            throw new StoreException("the server at " + base + " answered " + what + " with a wrong Content-Range: " + range);
        }
        if (content.length != length) {
            long size = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            throw new StoreException.BadRequest(what + ": the range is outside the chunk"
                    + (size >= 0 ? ", which has " + size + " bytes" : ""));
        }
        return content;
    }

    private static void checkRange(String what, long offset, int length, long size) throws StoreException {
        if (offset + length > size) {
            throw new StoreException.BadRequest(what + ": the range is outside the chunk, which has " + size + " bytes");
        }
    }

    @Override
    public Map<String, ObjectLocation> findLabels(Collection<String> labels) throws StoreException {
        Map<String, ObjectLocation> found = new HashMap<>();
        // As in every store, a string that cannot be a label is found nowhere; the API would refuse it.
        Iterator<String> it = labels.stream().filter(HttpStore::canBeLabel).distinct().iterator();
        while (it.hasNext()) {
            ObjectNode body = JSON.createObjectNode();
            ArrayNode batch = body.putArray("labels");
            while (it.hasNext() && batch.size() < LOOKUP_BATCH) {
                batch.add(it.next());
            }
            Reply resp = send(request(HttpMethod.POST, "/v1/labels")
                    .body(new BytesRequestContent("application/json", bytes(body))), "looking up labels");
            expect(resp, "looking up labels", 200);
            for (Map.Entry<String, JsonNode> e : json(resp).path("found").properties()) {
                JsonNode loc = e.getValue();
                found.put(e.getKey(), new ObjectLocation(objectId(loc.path("chunk_id").asText(), "looking up labels"),
                        loc.path("offset").asLong(), loc.path("length").asLong()));
            }
        }
        return found;
    }

    @Override
    public Map<ObjectId, ObjectMeta> findLabel(String label) throws StoreException {
        if (!canBeLabel(label)) {
            return Map.of();
        }
        String what = "searching for label " + label;
        Reply resp = send(request(HttpMethod.GET,
                "/v1/chunks?label=" + URLEncoder.encode(label, StandardCharsets.UTF_8)), what);
        expect(resp, what, 200);
        Map<ObjectId, ObjectMeta> result = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : json(resp).properties()) {
            result.put(objectId(e.getKey(), what), meta(e.getValue().toString(), what));
        }
        return result;
    }

    @Override
    public void delete(ObjectId id) throws StoreException {
        String what = "deleting chunk " + id;
        Reply resp = send(request(HttpMethod.DELETE, chunkPath(id)), what);
        expect(resp, what, 200, 204);
    }

    /** Pages through the server's listing; a damaged object is reported as Corrupt after the others. */
    @Override
    public void list(Consumer<ObjectInfo> consumer) throws StoreException {
        List<String> damaged = new ArrayList<>();
        String after = null;
        do {
            String path = "/v1/objects?limit=" + pageSize + (after == null ? "" : "&after=" + after);
            Reply resp = send(request(HttpMethod.GET, path), "listing objects");
            expect(resp, "listing objects", 200);
            JsonNode page = json(resp);
            for (JsonNode o : page.path("objects")) {
                ObjectId id = objectId(o.path("chunk_id").asText(), "listing objects");
                if (o.path("damaged").asBoolean(false)) {
                    damaged.add(id.value());
                    continue;
                }
                consumer.accept(new ObjectInfo(id, meta(o.path("meta").toString(), "listing objects"),
                        o.path("size").asLong()));
            }
            JsonNode next = page.path("next");
            after = next.isTextual() ? objectId(next.asText(), "listing objects").value() : null;
        } while (after != null);
        if (!damaged.isEmpty()) {
            throw new StoreException.Corrupt("the server at " + base + " reports " + damaged.size()
                    + " damaged object(s): " + String.join(", ", damaged.subList(0, Math.min(10, damaged.size())))
                    + (damaged.size() > 10 ? ", ..." : ""));
        }
    }

    /** Lets tests page through a listing without storing thousands of objects. */
    void setPageSize(int pageSize) {
        this.pageSize = pageSize;
    }

    /** Nothing to do: the server makes every upload durable before it answers. */
    @Override
    public void flush() {}

    // ---- records

    @Override
    public Optional<StoredRecord> getRecord(String name) throws StoreException {
        checkRecordName(name);
        String what = "reading record " + name;
        Reply resp = send(request(HttpMethod.GET, "/v1/records/" + name), what);
        if (resp.status() == 404) {
            return Optional.empty();
        }
        expect(resp, what, 200);
        long version = resp.headers().getLongField("Record-Version");
        if (version < 1) {
            throw new StoreException("the server at " + base + " sent record " + name + " without a valid Record-Version");
        }
        return Optional.of(new StoredRecord(version, resp.content()));
    }

    @Override
    public long compareAndSetRecord(String name, long expectedVersion, byte[] body) throws StoreException {
        checkRecordName(name);
        if (expectedVersion < 0) {
            throw new StoreException.BadRequest("record version must not be negative");
        }
        String what = "writing record " + name;
        Reply resp = send(withBody(request(HttpMethod.PUT, "/v1/records/" + name), body)
                .headers(h -> h.put(HttpHeader.IF_MATCH, Long.toString(expectedVersion))), what);
        expect(resp, what, 200);
        long version = json(resp).path("version").asLong(-1);
        if (version < 1) {
            throw new StoreException("the server at " + base + " answered " + what + " without the new version");
        }
        return version;
    }

    @Override
    public List<String> recordNames() throws StoreException {
        Reply resp = send(request(HttpMethod.GET, "/v1/records"), "listing records");
        expect(resp, "listing records", 200);
        List<String> names = new ArrayList<>();
        for (JsonNode n : json(resp).path("records")) {
            names.add(n.asText());
        }
        names.sort(null);
        return names;
    }

    private static boolean canBeLabel(String label) {
        try {
            ObjectMeta.single(label);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void checkRecordName(String name) throws StoreException {
        if (!Store.isValidRecordName(name)) {
            throw new StoreException.BadRequest("invalid record name: " + name);
        }
    }

    @Override
    public void close() throws StoreException {
        try {
            client.stop();
        } catch (Exception e) {
            throw new StoreException("cannot close the connection to " + base + ": " + e.getMessage(), e);
        }
    }

    // ---- HTTP plumbing

    private Request request(HttpMethod method, String path) {
        return client.newRequest(base + path)
                .method(method)
                .idleTimeout(IDLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .headers(h -> h.put(HttpHeader.AUTHORIZATION, authorization));
    }

    private static Request withBody(Request request, byte[] body) {
        request.body(new BytesRequestContent("application/octet-stream", body));
        if (body.length > EXPECT_CONTINUE_BYTES) {
            request.headers(h -> h.put(HttpHeader.EXPECT, "100-continue"));
        }
        return request;
    }

    private static String chunkPath(ObjectId id) {
        return "/v1/chunks/" + id.value(); // ids are URL-safe by construction
    }

    /** A complete response: status, headers and the whole body. */
    private record Reply(int status, String reason, HttpFields headers, byte[] content) {}

    /**
     * Collects a response. A complete response counts even when sending the request failed: the
     * server may answer an error before reading the whole body (or refuse an Expect: 100-continue),
     * and that answer, not the aborted upload, is what the caller must hear.
     */
    private static final class Collector extends BufferingResponseListener {
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

    private Reply send(Request request, String what) throws StoreException {
        Collector collector = new Collector();
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

    private void expect(Reply resp, String what, int... ok) throws StoreException {
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
        JsonNode body = errorBody(resp);
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

    private static JsonNode errorBody(Reply resp) {
        try {
            JsonNode n = JSON.readTree(resp.content());
            return n == null ? JSON.createObjectNode() : n;
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private JsonNode json(Reply resp) throws StoreException {
        try {
            JsonNode n = JSON.readTree(resp.content());
            if (n == null || n.isMissingNode()) {
                throw new IOException("empty body");
            }
            return n;
        } catch (IOException e) {
            throw new StoreException("the server at " + base + " sent a response that is not JSON: " + e.getMessage(), e);
        }
    }

    private ObjectMeta meta(Reply resp, ObjectId id) throws StoreException {
        return meta(resp.headers().get(ChunkMetaHeader.NAME), "fetching chunk " + id);
    }

    private ObjectMeta meta(String json, String what) throws StoreException {
        try {
            return ChunkMetaHeader.decode(json);
        } catch (IllegalArgumentException e) {
            throw new StoreException("the server at " + base + " sent bad metadata while " + what + ": " + e.getMessage());
        }
    }

    private ObjectId objectId(String text, String what) throws StoreException {
        if (!ObjectId.isValid(text)) {
            throw new StoreException("the server at " + base + " sent an invalid chunk id while " + what);
        }
        return new ObjectId(text);
    }

    private static byte[] bytes(JsonNode node) throws StoreException {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new StoreException("cannot encode JSON: " + e.getMessage(), e);
        }
    }
}
