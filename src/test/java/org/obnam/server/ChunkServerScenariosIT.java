package org.obnam.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.obnam.testing.Https.utf8;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.Https;
import org.obnam.testing.ServerProcess;

/**
 * Rust Obnam's chunk server scenarios (obnam.md), against the real bin/obnam-server process,
 * plus the additions of our API (packs, ranges, batch look-up, records).
 */
class ChunkServerScenariosIT {
    @TempDir
    static Path dir;

    static ServerProcess server;
    static String token;
    static Https http;

    @BeforeAll
    static void start() {
        server = ServerProcess.start(dir.resolve("server"), "", Map.of("OBNAM_SERVER_LOG", "info"));
        token = server.addClient("scenarios", "--rights", "read,append,delete");
        http = server.https();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String upload(String meta, String body) {
        Https.Reply r = http.post("/v1/chunks", token, utf8(body), "Chunk-Meta", meta);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json().path("chunk_id").asText();
    }

    @Test
    void happyPathCreateFetchSearchDelete() {
        String id = upload("{\"label\":\"abc\"}", "chunk data");

        Https.Reply fetched = http.get("/v1/chunks/" + id, token);
        assertThat(fetched.status()).isEqualTo(200);
        assertThat(fetched.text()).isEqualTo("chunk data");
        assertThat(fetched.header("Chunk-Meta")).isEqualTo("{\"label\":\"abc\"}");
        assertThat(fetched.header("Content-Type")).isEqualTo("application/octet-stream");

        Https.Reply found = http.get("/v1/chunks?label=abc", token);
        assertThat(found.status()).isEqualTo(200);
        assertThat(found.json().path(id).path("label").asText()).isEqualTo("abc");

        assertThat(http.delete("/v1/chunks/" + id, token).status()).isEqualTo(200);
        assertThat(http.get("/v1/chunks/" + id, token).status()).isEqualTo(404);
        assertThat(http.get("/v1/chunks?label=abc", token).json().has(id)).isFalse();
    }

    @Test
    void fetchingAMissingChunkIs404() {
        Https.Reply r = http.get("/v1/chunks/any.random.string", token);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().path("error").asText()).isNotEmpty();
    }

    @Test
    void searchWithoutMatchesIsAnEmptyObject() {
        Https.Reply r = http.get("/v1/chunks?label=sha256:nothing-has-this-label", token);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("{}");
    }

    @Test
    void chunksAndRecordsPersistAcrossARestart() {
        String id = upload("{\"label\":\"persist\"}", "survives");
        assertThat(http.send("PUT", "/v1/records/generations", token, utf8("list"), "If-Match", "0").status())
                .isEqualTo(200);

        server.restart();
        http = server.https();

        assertThat(http.get("/v1/chunks/" + id, token).text()).isEqualTo("survives");
        assertThat(http.get("/v1/chunks?label=persist", token).json().has(id)).isTrue();
        Https.Reply record = http.get("/v1/records/generations", token);
        assertThat(record.text()).isEqualTo("list");
        assertThat(record.header("Record-Version")).isEqualTo("1");
    }

    @Test
    void serverLogsAtInfoWhenObnamServerLogSaysSo(@TempDir Path quietDir) {
        String id = upload("{\"label\":\"logged\"}", "x");
        assertThat(server.stderr()).contains("Obnam server starting up").contains("created chunk " + id);

        try (ServerProcess quiet = ServerProcess.start(quietDir)) {
            String t = quiet.addClient("quiet");
            Https.Reply r = quiet.https().post("/v1/chunks", t, utf8("y"), "Chunk-Meta", "{\"label\":\"l\"}");
            assertThat(r.status()).isEqualTo(201);
            assertThat(quiet.stderr()).doesNotContain("Obnam server starting up").doesNotContain("created chunk");
        }
    }

    @Test
    void olderPathsWithoutV1StillWork() {
        Https.Reply created = http.post("/chunks", token, utf8("old"), "Chunk-Meta", "{\"label\":\"old-path\"}");
        assertThat(created.status()).isEqualTo(201);
        String id = created.json().path("chunk_id").asText();
        assertThat(http.get("/chunks/" + id, token).text()).isEqualTo("old");
        assertThat(http.get("/chunks?label=old-path", token).json().has(id)).isTrue();
    }

    @Test
    void serverSpeaksHttp2AndHttp11() {
        assertThat(http.get("/v1/chunks?label=x", token).version()).isEqualTo(HttpClient.Version.HTTP_2);
        Https h1 = new Https(server.url(), server.trustedCert(), HttpClient.Version.HTTP_1_1);
        Https.Reply r = h1.get("/v1/chunks?label=x", token);
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(r.status()).isEqualTo(200);
    }

    @Test
    void packIsFoundByEachLabelAndReadByRange() {
        String id = upload("{\"labels\":[\"p1\",\"p2\"],\"lengths\":[5,6]}", "firstsecond");

        Https.Reply lookup = http.post("/v1/labels", token, utf8("{\"labels\":[\"p2\",\"p1\",\"absent\"]}"));
        assertThat(lookup.status()).isEqualTo(200);
        JsonNode p2 = lookup.json().path("found").path("p2");
        assertThat(p2.path("chunk_id").asText()).isEqualTo(id);
        assertThat(p2.path("offset").asLong()).isEqualTo(5);
        assertThat(p2.path("length").asLong()).isEqualTo(6);
        assertThat(lookup.json().path("found").has("absent")).isFalse();

        Https.Reply part = http.get("/v1/chunks/" + id, token, "Range", "bytes=5-10");
        assertThat(part.status()).isEqualTo(206);
        assertThat(part.text()).isEqualTo("second");
        assertThat(part.header("Content-Range")).isEqualTo("bytes 5-10/11");
        assertThat(http.get("/v1/chunks?label=p1", token).json().has(id)).isTrue();
    }

    @Test
    void objectListingPagesInIdOrder() {
        for (int i = 0; i < 5; i++) {
            upload("{\"label\":\"list-" + i + "\"}", "body " + i);
        }
        int seen = 0;
        String after = "";
        String previous = "";
        for (int pages = 0; pages < 100; pages++) {
            JsonNode page = http.get("/v1/objects?limit=2" + (after.isEmpty() ? "" : "&after=" + after), token).json();
            for (JsonNode o : page.path("objects")) {
                assertThat(o.path("chunk_id").asText()).isGreaterThan(previous);
                assertThat(o.path("meta").isObject()).isTrue();
                assertThat(o.path("size").isNumber()).isTrue();
                previous = o.path("chunk_id").asText();
                seen++;
            }
            if (page.path("next").isNull()) {
                break;
            }
            after = page.path("next").asText();
        }
        assertThat(seen).isGreaterThanOrEqualTo(5);
    }

    @Test
    void recordsAreUpdatedByCompareAndSet() {
        assertThat(http.get("/v1/records/cas", token).status()).isEqualTo(404);
        Https.Reply first = http.send("PUT", "/v1/records/cas", token, utf8("one"), "If-Match", "0");
        assertThat(first.json().path("version").asLong()).isEqualTo(1);
        Https.Reply second = http.send("PUT", "/v1/records/cas", token, utf8("two"), "If-Match", "1");
        assertThat(second.json().path("version").asLong()).isEqualTo(2);

        Https.Reply stale = http.send("PUT", "/v1/records/cas", token, utf8("three"), "If-Match", "1");
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.json().path("version").asLong()).isEqualTo(2);
        assertThat(stale.json().path("error").asText()).isNotEmpty();

        Https.Reply now = http.get("/v1/records/cas", token);
        assertThat(now.text()).isEqualTo("two");
        assertThat(now.header("Record-Version")).isEqualTo("2");
        assertThat(http.get("/v1/records", token).json().path("records").toString()).contains("\"cas\"");
    }
}
