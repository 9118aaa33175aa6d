package org.obnam.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.obnam.server.Right;
import org.obnam.testing.Https;
import org.obnam.testing.InProcessServer;

/**
 * Random and malformed requests against a real chunk server in this JVM: odd methods, paths with
 * traversal and encoding tricks, queries, garbled or huge headers (Authorization, Chunk-Meta,
 * Range, If-Match), and bodies; some as raw bytes over TLS that no HTTP client library would send.
 * The server must never answer 5xx, must give every 4xx a JSON error, must create no file outside
 * the namespace directories, and must keep answering.
 */
class ServerRequestFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> NAMESPACE_ENTRIES = Set.of("objects", "records", "record-history", "tmp",
            "index.sqlite", "index.sqlite-wal", "index.sqlite-shm", "index.sqlite-journal", "obnam-store.json");

    private static Path dir;
    private static InProcessServer server;
    private static HttpClient http2;
    private static HttpClient http11;
    private static String fullToken;
    private static String readToken;
    private static String appendToken;
    private static String otherToken;
    private static String objectId;
    private static Set<String> outsideNamespaces;
    private static int port;
    private static final java.util.Map<Integer, Integer> STATUSES = new java.util.concurrent.ConcurrentSkipListMap<>();

    @BeforeContainer
    static void start() throws Exception {
        dir = Files.createTempDirectory("obnam-fuzz-server");
        server = InProcessServer.start(dir.resolve("server"), "idle_timeout_seconds: 5\n");
        fullToken = server.addClient("fuzz", Set.of(Right.READ, Right.APPEND, Right.DELETE));
        readToken = server.addClient("reader", Set.of(Right.READ));
        appendToken = server.addClient("appender", Set.of(Right.APPEND));
        otherToken = server.addClient("other", Set.of(Right.READ, Right.APPEND));
        port = URI.create(server.url()).getPort();
        http2 = client(HttpClient.Version.HTTP_2);
        http11 = client(HttpClient.Version.HTTP_1_1);
        // One object and records, so that there is something to find, fetch and replace.
        HttpResponse<byte[]> created = send(http2, "POST", "/v1/chunks", "Bearer " + fullToken, "0123456789".getBytes(),
                List.of("Chunk-Meta", "{\"label\":\"seed\"}"));
        assertThat(created.statusCode()).isEqualTo(201);
        objectId = JSON.readTree(created.body()).path("chunk_id").asText();
        assertThat(send(http2, "PUT", "/v1/records/generations", "Bearer " + fullToken, "v1".getBytes(), List.of("If-Match", "0"))
                .statusCode()).isEqualTo(200);
        assertThat(send(http2, "PUT", "/v1/records/generations", "Bearer " + fullToken, "v2".getBytes(), List.of("If-Match", "1"))
                .statusCode()).isEqualTo(200);
        outsideNamespaces = filesOutsideNamespaces();
    }

    @AfterContainer
    static void stop() throws IOException {
        System.err.println("server request fuzzing: answers by status " + STATUSES);
        if (server != null) {
            server.close();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static HttpClient client(HttpClient.Version version) {
        return HttpClient.newBuilder().sslContext(Https.trusting(server.trustedCert())).version(version)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static HttpResponse<byte[]> send(HttpClient client, String method, String path, String token, byte[] body,
            List<String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(20));
        if (token != null) {
            b.header("Authorization", token);
        }
        for (int i = 0; i + 1 < headers.size(); i += 2) {
            b.header(headers.get(i), headers.get(i + 1));
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Every path in the server's directory, except what lies inside a namespace's store. */
    private static Set<String> filesOutsideNamespaces() throws IOException {
        Set<String> paths = new TreeSet<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path rel = dir.relativize(p);
                int n = rel.getNameCount();
                // server/chunks/namespaces/NS/ENTRY/...: inside a namespace.
                if (n >= 5 && rel.getName(1).toString().equals("chunks") && rel.getName(2).toString().equals("namespaces")) {
                    assertThat(NAMESPACE_ENTRIES).as("entry %s of a namespace", rel).contains(rel.getName(4).toString());
                    continue;
                }
                paths.add(rel.toString());
            }
        }
        return paths;
    }

    // ---- what a request is made of

    @Provide
    Arbitrary<String> methods() {
        return Arbitraries.oneOf(
                Arbitraries.of("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "get", "Post"),
                Arbitraries.strings().withCharRange('A', 'Z').ofMinLength(1).ofMaxLength(12));
    }

    @Provide
    Arbitrary<String> paths() {
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.of("", "v1", "v2", "chunks", "records", "labels", "objects", "generations", "key", ".",
                        "..", "%2e%2e", "%2E%2e", ".%2e", "%2f", "%2F..%2F", "..%2f..%2fclients.json", "%00", "%5c..",
                        "..\\..", "clients.json", "namespaces", "tmp", "record-history", "index.sqlite",
                        "obnam-store.json", ".lock", "a;b", "%25", "%ff", "~root", "-", "_", "0", "history"),
                Arbitraries.strings().withChars("abcdefxyz0123456789-_.%~").ofMinLength(1).ofMaxLength(40),
                Arbitraries.strings().alpha().numeric().ofLength(32));
        Arbitrary<String> query = Arbitraries.oneOf(
                Arbitraries.just(""),
                Arbitraries.of("label", "version", "after", "limit", "x", "label[]", "")
                        .flatMap(k -> Arbitraries.oneOf(
                                Arbitraries.of("", "1", "0", "-1", "99999999999999999999", "1e3", "../x", "%00",
                                        "abc", "seed", "2", "3"),
                                Arbitraries.strings().withChars("a-z09.%:+=&").ofMaxLength(30))
                                .map(v -> "?" + k + "=" + v)));
        return Combine.all(segment.list().ofMinSize(0).ofMaxSize(5), query,
                Arbitraries.of("/", "/v1/", "/v1/chunks/", "/v1/records/", "//", "/./", ""))
                .map(parts -> parts.prefix() + String.join("/", parts.segments()) + parts.query());
    }

    /** Authorization header values: the tokens of clients with various rights, and junk. */
    @Provide
    Arbitrary<String> authorizations() {
        return Arbitraries.oneOf(
                Arbitraries.of("full", "read", "append", "other", "none", "junk", "basic", "bearer-empty", "lower",
                        "huge", "two-tokens", "full"),
                Arbitraries.just("full"))
                .map(kind -> switch (kind) {
                    case "full" -> "Bearer " + fullToken;
                    case "read" -> "Bearer " + readToken;
                    case "append" -> "Bearer " + appendToken;
                    case "other" -> "Bearer " + otherToken;
                    case "none" -> "";
                    case "junk" -> "Bearer 0123456789abcdef";
                    case "basic" -> "Basic Zm9vOmJhcg==";
                    case "bearer-empty" -> "Bearer ";
                    case "lower" -> "bearer " + fullToken;
                    case "huge" -> "Bearer " + "A".repeat(20_000);
                    default -> "Bearer " + fullToken + " " + readToken;
                });
    }

    @Provide
    Arbitrary<List<String>> headerSets() {
        Arbitrary<List<String>> chunkMeta = Arbitraries.oneOf(
                Arbitraries.of("{\"label\":\"abc\"}", "{\"labels\":[\"a\",\"b\"],\"lengths\":[1,2]}", "{}", "[]", "null",
                        "{\"label\":\"../../../etc/passwd\"}", "{\"label\":\"\"}", "{\"label\":1}",
                        "{\"labels\":[\"a\"],\"lengths\":[-1]}", "{\"labels\":[\"a\"],\"lengths\":[99999999999999]}",
                        "{\"labels\":[\"a\",\"a\"],\"lengths\":[0,0]}", "{\"label\":\"x\",\"labels\":[\"y\"]}",
                        "{\"label\":\"x\"", "\u00ff\u00fe", "{\"a\":" + "[".repeat(3000) + "]".repeat(3000) + "}"),
                Arbitraries.strings().ofMaxLength(200),
                Arbitraries.integers().between(1, 3000).map(n -> {
                    List<String> labels = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        labels.add("\"l" + i + "\"");
                    }
                    return "{\"labels\":[" + String.join(",", labels) + "]}";
                }))
                .map(v -> List.of("Chunk-Meta", v));
        Arbitrary<List<String>> range = Arbitraries.oneOf(
                Arbitraries.of("bytes=0-3", "bytes=-5", "bytes=5-", "bytes=9-0", "bytes=0-99999999999999999999",
                        "bytes=a-b", "bytes=0-1,3-4", "items=0-1", "bytes=", "bytes=-0", "bytes=10-20", "bytes=-",
                        "bytes=0-9223372036854775807", "bytes=9223372036854775806-"),
                Arbitraries.strings().withChars("bytes=-0123456789,").ofMaxLength(40))
                .map(v -> List.of("Range", v));
        Arbitrary<List<String>> ifMatch = Arbitraries.oneOf(
                Arbitraries.of("0", "1", "2", "3", "\"2\"", "*", "-1", "W/\"1\"", "99999999999999999999", "", "1 2"),
                Arbitraries.strings().withChars("0123456789\"W/* ").ofMaxLength(25))
                .map(v -> List.of("If-Match", v));
        Arbitrary<List<String>> other = Arbitraries.of(
                List.of("Content-Type", "application/json"), List.of("Accept", "*/*"),
                List.of("Transfer-Encoding", "gzip"), List.of("X-Forwarded-For", "10.0.0.1"),
                List.of("Content-Encoding", "gzip"), List.of("Chunk-Meta", ""), List.of("Range", ""));
        return Arbitraries.oneOf(chunkMeta, range, ifMatch, other).list().ofMaxSize(4)
                .map(lists -> lists.stream().flatMap(List::stream).toList());
    }

    @Provide
    Arbitrary<byte[]> bodies() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(30, Arbitraries.just((byte[]) null)),
                net.jqwik.api.Tuple.of(45, Arbitraries.bytes().array(byte[].class).ofMaxSize(2000)),
                net.jqwik.api.Tuple.of(20, Arbitraries.of("{\"labels\":[\"abc\",\"seed\"]}", "{\"labels\":\"x\"}",
                        "{\"labels\":[1,null]}", "{", "[]", "{\"labels\":[\"../x\"]}")
                        .map(s -> s.getBytes(StandardCharsets.UTF_8))),
                net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(100_000, 600_000).map(byte[]::new)));
    }

    /** How to send: mostly through HTTP clients (HTTP/2 and HTTP/1.1), sometimes as raw bytes. */
    enum Transport { HTTP2, HTTP11, RAW }

    @Provide
    Arbitrary<Transport> transports() {
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, Arbitraries.just(Transport.HTTP2)),
                net.jqwik.api.Tuple.of(3, Arbitraries.just(Transport.HTTP11)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Transport.RAW)));
    }

    // ---- the property

    private record Answer(int status, String body, boolean head) {}

    @Property
    void theServerNeverFailsAndAlwaysExplainsARefusal(@ForAll("methods") String method, @ForAll("paths") String path,
            @ForAll("authorizations") String authorization, @ForAll("headerSets") List<String> headers,
            @ForAll("bodies") byte[] body, @ForAll("transports") Transport transport) throws Exception {
        Answer a = transport == Transport.RAW ? sendRaw(method, path, authorization, headers, body)
                : sendWithClient(transport == Transport.HTTP11 ? http11 : http2, method, path, authorization, headers, body);
        if (a == null) {
            a = sendRaw(method, path, authorization, headers, body); // the client library refused to send it
        }
        STATUSES.merge(a.status(), 1, Integer::sum);
        assertThat(a.status()).as("%s %s -> %s", method, path, a).isBetween(100, 499);
        if (a.status() >= 400 && !a.head()) {
            JsonNode error = JSON.readTree(a.body());
            assertThat(error.path("error").isTextual()).as("JSON error for %s %s: %s", method, path, a).isTrue();
            assertThat(error.path("error").asText()).isNotBlank();
        }
        assertThat(filesOutsideNamespaces()).as("files outside the namespaces after %s %s", method, path)
                .isEqualTo(outsideNamespaces);
        HttpResponse<byte[]> probe = send(http2, "GET", "/v1/chunks/" + objectId, "Bearer " + fullToken, null, List.of());
        assertThat(probe.statusCode()).as("the server still answers after %s %s", method, path).isIn(200, 404);
    }

    private static Answer sendWithClient(HttpClient client, String method, String path, String authorization,
            List<String> headers, byte[] body) throws Exception {
        try {
            HttpResponse<byte[]> r = send(client, method, path, authorization.isEmpty() ? null : authorization, body,
                    headers);
            return new Answer(r.statusCode(), new String(r.body(), StandardCharsets.UTF_8), method.equals("HEAD"));
        } catch (IllegalArgumentException e) {
            return null; // not a URI, a header this library will not send, or a method it refuses
        } catch (IOException e) {
            // A stream the server reset (HTTP/2 refuses oversized headers that way): ask again raw,
            // where a status line must come back.
            return null;
        }
    }

    private static Answer sendRaw(String method, String path, String authorization, List<String> headers, byte[] body) {
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(path.isEmpty() ? "/" : path).append(" HTTP/1.1\r\n");
        head.append("Host: 127.0.0.1:").append(port).append("\r\n");
        head.append("Connection: close\r\n");
        if (!authorization.isEmpty()) {
            head.append("Authorization: ").append(authorization).append("\r\n");
        }
        for (int i = 0; i + 1 < headers.size(); i += 2) {
            head.append(headers.get(i)).append(": ").append(headers.get(i + 1)).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] request = Https.concat(head.toString().getBytes(StandardCharsets.UTF_8), body == null ? new byte[0] : body);
        Https.RawReply r = null;
        // A loaded machine can lose an answer in a reset connection (the client side drops data it
        // had not read yet); one more attempt tells that apart from a server that does not answer.
        for (int attempt = 0; attempt < 2 && (r == null || r.status() < 0); attempt++) {
            try {
                r = Https.raw(port, server.trustedCert(), request, Duration.ofSeconds(15));
            } catch (UncheckedIOException e) {
                throw new AssertionError("cannot send " + method + " " + path + " raw", e);
            }
        }
        assertThat(r.status()).as("a status line for raw %s %s: %s", method, path, r.text()).isPositive();
        return new Answer(r.status(), r.body(), method.equals("HEAD"));
    }

    /** jqwik's combinators for three values, named. */
    private static final class Combine {
        record Parts(List<String> segments, String query, String prefix) {}

        static Arbitrary<Parts> all(Arbitrary<List<String>> segments, Arbitrary<String> query, Arbitrary<String> prefix) {
            return net.jqwik.api.Combinators.combine(segments, query, prefix).as(Parts::new);
        }
    }
}
