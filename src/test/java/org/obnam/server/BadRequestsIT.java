package org.obnam.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.obnam.testing.Https.utf8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.Https;
import org.obnam.testing.ServerProcess;

/**
 * Whatever a client sends, the answer is a 4xx with a JSON {"error": ...}: never a 500, a stack
 * trace, or a file outside the client's namespace. The server runs with small limits so that the
 * limits are quick to reach.
 */
class BadRequestsIT {
    private static final int MAX_BODY = 1 << 20;
    private static final int MAX_HEADER = 16 << 10;
    private static final int IDLE_SECONDS = 2;

    @TempDir
    static Path dir;

    static ServerProcess server;
    static Https http;
    static Https http11;
    static String token;
    static String readOnly;
    static String chunk;

    @BeforeAll
    static void start() {
        server = ServerProcess.start(dir.resolve("server"), "max_body_bytes: " + MAX_BODY + "\nmax_header_bytes: "
                + MAX_HEADER + "\nidle_timeout_seconds: " + IDLE_SECONDS + "\n", Map.of());
        token = server.addClient("normal");
        readOnly = server.addClient("reader", "--rights", "read");
        http = server.https();
        http11 = new Https(server.url(), server.trustedCert(), HttpClient.Version.HTTP_1_1);
        chunk = http.post("/v1/chunks", token, utf8("x"), "Chunk-Meta", "{\"label\":\"x\"}").json().path("chunk_id").asText();
    }

    @AfterAll
    static void checkTheAftermath() throws IOException {
        try {
            // Nothing was written outside the chunks directory's own files and the namespaces.
            try (Stream<Path> files = Files.walk(server.chunks())) {
                List<Path> stray = files.filter(Files::isRegularFile)
                        .map(server.chunks()::relativize)
                        .filter(p -> !p.startsWith("namespaces") && !p.toString().startsWith("clients."))
                        .toList();
                assertThat(stray).isEmpty();
            }
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("server");
            }
            // Never a stack trace in the log, whatever was sent.
            assertThat(server.stderr()).doesNotContain("\tat ").doesNotContain("Exception");
        } finally {
            server.close();
        }
    }

    private static void isJsonError(int status, Https.Reply reply) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).startsWith("application/json");
        assertThat(reply.json().path("error").asText()).as(reply.toString()).isNotBlank();
    }

    private static void isJsonError(int status, Https.RawReply reply) {
        assertThat(reply.status()).as(reply.text()).isEqualTo(status);
        assertThat(reply.text().toLowerCase()).contains("content-type: application/json");
        assertThat(reply.json().path("error").asText()).as(reply.text()).isNotBlank();
    }

    private static Https.RawReply raw(String request) {
        return Https.raw(server.port(), server.trustedCert(), request.getBytes(StandardCharsets.ISO_8859_1),
                Duration.ofSeconds(10));
    }

    @Test
    void missingTokenIs401AndRevealsNothing() {
        Https.Reply missing = http.get("/v1/chunks/" + chunk, null);
        isJsonError(401, missing);
        assertThat(missing.header("WWW-Authenticate")).startsWith("Bearer");
        Https.Reply unknown = http.get("/v1/no-such-route", null);
        assertThat(unknown.text()).isEqualTo(missing.text());
    }

    @Test
    void invalidTokenIs401AndRevealsNothing() {
        Https.Reply existing = http.get("/v1/chunks/" + chunk, "wrong-token");
        Https.Reply missing = http.get("/v1/chunks/" + "0".repeat(32), "wrong-token");
        isJsonError(401, existing);
        assertThat(existing.text()).isEqualTo(missing.text());
        isJsonError(401, http.send("GET", "/v1/chunks/" + chunk, null, null, "Authorization", "Basic dXNlcjpwdw=="));
        isJsonError(401, http.send("GET", "/v1/chunks/" + chunk, null, null, "Authorization", "Bearer"));
    }

    @Test
    void missingRightIs403() {
        isJsonError(403, http.delete("/v1/chunks/" + chunk, token));
        isJsonError(403, http.post("/v1/chunks", readOnly, utf8("x"), "Chunk-Meta", "{\"label\":\"x\"}"));
        isJsonError(403, http.send("PUT", "/v1/records/r", readOnly, utf8("x"), "If-Match", "0"));
        assertThat(http.get("/v1/chunks?label=x", readOnly).status()).isEqualTo(200);
    }

    @Test
    void badChunkMetaIs400() {
        isJsonError(400, http.post("/v1/chunks", token, utf8("x")));
        for (String meta : new String[] {"{\"label\":", "[1,2]", "\"abc\"", "{}", "{\"label\": 5}",
            "{\"label\":\"../../etc/passwd\"}", "{\"labels\":[\"a\"],\"lengths\":[-1]}", "{\"labels\":[\"a\"]}",
            "{\"label\":\"a\",\"labels\":[\"a\"],\"lengths\":[1]}", "{\"labels\":[\"a\"],\"lengths\":[2]}"}) {
            isJsonError(400, http.post("/v1/chunks", token, utf8("x"), "Chunk-Meta", meta));
        }
        StringBuilder many = new StringBuilder("{\"labels\":[");
        for (int i = 0; i < 600; i++) {
            many.append(i == 0 ? "" : ",").append("\"").append(i).append("\"");
        }
        many.append("],\"lengths\":[").append("0,".repeat(599)).append("0]}");
        isJsonError(400, http.post("/v1/chunks", token, utf8("x"), "Chunk-Meta", many.toString()));
    }

    @Test
    void oversizedHeaderIs431() {
        String big = "{\"label\":\"x\",\"pad\":\"" + "p".repeat(MAX_HEADER) + "\"}";
        isJsonError(431, http11.post("/v1/chunks", token, utf8("x"), "Chunk-Meta", big));
        try {
            Https.Reply h2 = http.post("/v1/chunks", token, utf8("x"), "Chunk-Meta", big);
            assertThat(h2.status()).as(h2.toString()).isBetween(400, 499);
        } catch (UncheckedIOException e) {
            // HTTP/2 may also refuse the stream outright; what matters is that nothing is stored.
        }
    }

    @Test
    void oversizedBodyIs413() {
        isJsonError(413, http.post("/v1/chunks", token, new byte[MAX_BODY + 1], "Chunk-Meta", "{\"label\":\"big\"}"));
        // Without a declared length (chunked): refused as soon as too much has arrived.
        String head = "POST /v1/chunks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                + "\r\nChunk-Meta: {\"label\":\"big\"}\r\nTransfer-Encoding: chunked\r\n\r\n";
        String chunkOfData = Integer.toHexString(MAX_BODY / 2) + "\r\n" + "z".repeat(MAX_BODY / 2) + "\r\n";
        isJsonError(413, raw(head + chunkOfData + chunkOfData + chunkOfData + "0\r\n\r\n"));
        assertThat(http.get("/v1/chunks?label=big", token).text()).isEqualTo("{}");
        assertThat(http.post("/v1/chunks", token, new byte[MAX_BODY], "Chunk-Meta", "{\"label\":\"max\"}").status())
                .isEqualTo(201);
    }

    @Test
    void pathTraversalInIdsAndRecordNamesGoesNowhere() {
        for (String path : new String[] {"/v1/chunks/..%2F..%2Fclients.json", "/v1/chunks/%2e%2e%2f%2e%2e%2fetc",
            "/v1/chunks/../../../../etc/passwd", "/v1/records/..%2Fclients.json", "/v1/records/%2e%2e",
            "/v1/chunks/%00", "/v1/records/.lock", "/v1/records/UPPER", "/v1/chunks/a%2Fb", "/v1/chunks/..",
            "/v1/chunks/" + "a".repeat(200), "/v1/records/" + "a".repeat(100)}) {
            Https.RawReply r = raw("GET " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                    + "\r\nConnection: close\r\n\r\n");
            assertThat(r.status()).as(path + ": " + r.text()).isBetween(400, 499);
            assertThat(r.json().path("error").asText()).as(path).isNotBlank();
        }
        isJsonError(400, http.send("PUT", "/v1/records/..%2Fx", token, utf8("x"), "If-Match", "0"));
        Https.Reply r = http.send("PUT", "/v1/records/Evil.Name", token, utf8("x"), "If-Match", "0");
        isJsonError(400, r);
    }

    @Test
    void unknownRoutesAre404AndWrongMethodsAre405() {
        for (String path : new String[] {"/", "/v1", "/v2/chunks", "/v1/chunks/a/b", "/v1/nothing", "/favicon.ico"}) {
            isJsonError(404, http.get(path, token));
        }
        Https.Reply wrong = http.send("PATCH", "/v1/chunks", token, utf8("x"));
        isJsonError(405, wrong);
        assertThat(wrong.header("Allow")).contains("POST");
        isJsonError(405, http.send("PUT", "/v1/chunks/" + chunk, token, utf8("x")));
        isJsonError(405, http.get("/v1/labels", token));
        isJsonError(405, http.delete("/v1/records/r", token));
    }

    @Test
    void badLabelLookupsAre4xx() {
        for (String body : new String[] {"", "{", "[]", "{\"labels\": \"abc\"}", "{\"labels\": [1]}",
            "{\"labels\": [\"bad label\"]}", "{\"nolabels\": []}"}) {
            isJsonError(400, http.post("/v1/labels", token, utf8(body)));
        }
        StringBuilder tooMany = new StringBuilder("{\"labels\":[");
        for (int i = 0; i <= 10_000; i++) {
            tooMany.append(i == 0 ? "" : ",").append("\"l").append(i).append("\"");
        }
        isJsonError(413, http.post("/v1/labels", token, utf8(tooMany.append("]}").toString())));
    }

    @Test
    void badQueriesAre400() {
        for (String path : new String[] {"/v1/chunks", "/v1/chunks?label=", "/v1/chunks?label=a%20b",
            "/v1/objects?limit=0", "/v1/objects?limit=abc", "/v1/objects?limit=100000", "/v1/objects?after=..%2Fx"}) {
            isJsonError(400, http.get(path, token));
        }
        isJsonError(400, raw("GET /v1/chunks?label=%zz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                + "\r\nConnection: close\r\n\r\n"));
    }

    @Test
    void badRangesAre4xx() {
        isJsonError(400, http.get("/v1/chunks/" + chunk, token, "Range", "bytes=3-1"));
        isJsonError(400, http.get("/v1/chunks/" + chunk, token, "Range", "pages=1"));
        isJsonError(400, http.get("/v1/chunks/" + chunk, token, "Range", "bytes=0-0,2-3"));
        Https.Reply outside = http.get("/v1/chunks/" + chunk, token, "Range", "bytes=5-");
        isJsonError(416, outside);
        assertThat(outside.header("Content-Range")).isEqualTo("bytes */1");
    }

    @Test
    void badRecordWritesAre4xx() {
        isJsonError(428, http.send("PUT", "/v1/records/needs-version", token, utf8("x")));
        isJsonError(400, http.send("PUT", "/v1/records/needs-version", token, utf8("x"), "If-Match", "latest"));
        isJsonError(400, http.send("PUT", "/v1/records/needs-version", token, utf8("x"), "If-Match", "-1"));
        isJsonError(409, http.send("PUT", "/v1/records/needs-version", token, utf8("x"), "If-Match", "3"));
        isJsonError(413, http.send("PUT", "/v1/records/big", token, new byte[MAX_BODY + 1], "If-Match", "0"));
        isJsonError(404, http.get("/v1/records/never-written", token));
    }

    @Test
    void garbageRequestsAre400() {
        isJsonError(400, raw("GARBAGE\r\n\r\n"));
        isJsonError(400, raw("GET /v1/chunks HTTP/1.1\r\nHost: x\r\nBroken Header\r\n\r\n"));
        isJsonError(400, raw("POST /v1/chunks HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"));
    }

    @Test
    void stalledUploadIsCutOffByTheIdleTimeout() {
        long start = System.nanoTime();
        Https.RawReply r = Https.raw(server.port(), server.trustedCert(), ("POST /v1/chunks HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer " + token + "\r\nChunk-Meta: {\"label\":\"stalled\"}\r\nContent-Length: 1000\r\n"
                + "\r\nonly a few bytes").getBytes(StandardCharsets.ISO_8859_1), Duration.ofSeconds(IDLE_SECONDS + 10));
        long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        assertThat(seconds).isLessThan(IDLE_SECONDS + 8);
        if (r.status() != -1) { // the server may also just close the connection
            isJsonError(408, r);
        }
        assertThat(http.get("/v1/chunks?label=stalled", token).text()).isEqualTo("{}");
    }

    @Test
    void stalledHeadersAreCutOffByTheIdleTimeout() {
        long start = System.nanoTime();
        Https.RawReply r = Https.raw(server.port(), server.trustedCert(),
                "GET /v1/chunks HTTP/1.1\r\nHost: x\r\nAuthoriz".getBytes(StandardCharsets.ISO_8859_1),
                Duration.ofSeconds(IDLE_SECONDS + 10));
        assertThat(Duration.ofNanos(System.nanoTime() - start).toSeconds()).isLessThan(IDLE_SECONDS + 8);
        assertThat(r.status()).isNotEqualTo(500);
    }
}
