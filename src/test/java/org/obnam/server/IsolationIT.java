package org.obnam.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.obnam.testing.Https.utf8;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.store.HttpStore;
import org.obnam.store.ObjectId;
import org.obnam.store.ObjectInfo;
import org.obnam.store.ObjectMeta;
import org.obnam.store.StoreException;
import org.obnam.testing.Https;
import org.obnam.testing.ServerProcess;

/**
 * Two clients of one server, each with every right: neither can read, find, list, count,
 * overwrite or delete the other's chunks or records, and the other's chunk ids look exactly like
 * ids that do not exist.
 */
class IsolationIT {
    @TempDir
    static Path dir;

    static ServerProcess server;
    static Https http;
    static String alice;
    static String bob;
    static String bobsChunk;

    @BeforeAll
    static void start() {
        server = ServerProcess.start(dir.resolve("server"));
        alice = server.addClient("alice", "--rights", "read,append,delete");
        bob = server.addClient("bob", "--rights", "read,append,delete");
        http = server.https();
        Https.Reply r = http.post("/v1/chunks", bob, utf8("bob's secret"), "Chunk-Meta", "{\"label\":\"bobs-label\"}");
        assertThat(r.status()).isEqualTo(201);
        bobsChunk = r.json().path("chunk_id").asText();
        assertThat(http.send("PUT", "/v1/records/generations", bob, utf8("bob's list"), "If-Match", "0").status())
                .isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Status and body of a request for Bob's chunk, and of the same request for an id nobody has. */
    private static void looksLikeNothing(String method, String headerName, String headerValue) {
        String[] headers = headerName == null ? new String[0] : new String[] {headerName, headerValue};
        Https.Reply forBobs = http.send(method, "/v1/chunks/" + bobsChunk, alice, null, headers);
        Https.Reply forNobodys = http.send(method, "/v1/chunks/" + ObjectId.random().value(), alice, null, headers);
        assertThat(forBobs.status()).as(method).isEqualTo(404);
        assertThat(forBobs.text()).as(method).isEqualTo(forNobodys.text());
        assertThat(forBobs.headers().map().keySet()).isEqualTo(forNobodys.headers().map().keySet());
    }

    @Test
    void aliceCannotFetchBobsChunk() {
        looksLikeNothing("GET", null, null);
        looksLikeNothing("GET", "Range", "bytes=0-3");
        looksLikeNothing("HEAD", null, null);
    }

    @Test
    void aliceCannotDeleteBobsChunk() {
        looksLikeNothing("DELETE", null, null);
        assertThat(http.get("/v1/chunks/" + bobsChunk, bob).text()).isEqualTo("bob's secret");
    }

    @Test
    void aliceCannotFindBobsLabels() {
        assertThat(http.get("/v1/chunks?label=bobs-label", alice).text()).isEqualTo("{}");
        Https.Reply lookup = http.post("/v1/labels", alice, utf8("{\"labels\":[\"bobs-label\"]}"));
        assertThat(lookup.json().path("found").size()).isZero();
        assertThat(http.get("/v1/chunks?label=bobs-label", bob).json().has(bobsChunk)).isTrue();
    }

    @Test
    void aliceCannotListOrCountBobsObjects() {
        Https.Reply mine = http.post("/v1/chunks", alice, utf8("alice's"), "Chunk-Meta", "{\"label\":\"alices\"}");
        String alicesChunk = mine.json().path("chunk_id").asText();
        Https.Reply listing = http.get("/v1/objects", alice);
        List<String> ids = new ArrayList<>();
        listing.json().path("objects").forEach(o -> ids.add(o.path("chunk_id").asText()));
        assertThat(ids).contains(alicesChunk).doesNotContain(bobsChunk);
        assertThat(http.get("/v1/objects?after=" + bobsChunk, alice).json().path("objects").toString())
                .doesNotContain(bobsChunk);
    }

    @Test
    void aliceCannotReadOrOverwriteBobsRecords() {
        assertThat(http.get("/v1/records/generations", alice).status()).isEqualTo(404);
        assertThat(http.get("/v1/records", alice).json().path("records").toString()).doesNotContain("generations");

        // Alice's record of the same name is her own; Bob's is untouched.
        assertThat(http.send("PUT", "/v1/records/generations", alice, utf8("alice's"), "If-Match", "0").status())
                .isEqualTo(200);
        Https.Reply bobs = http.get("/v1/records/generations", bob);
        assertThat(bobs.text()).isEqualTo("bob's list");
        assertThat(bobs.header("Record-Version")).isEqualTo("1");
    }

    @Test
    void aliceCannotUseBobsChunkIdAsAPagingCursorToLearnAnything() {
        Https.Reply after = http.get("/v1/objects?after=" + bobsChunk + "&limit=1", alice);
        assertThat(after.status()).isEqualTo(200);
    }

    @Test
    void httpStoresOfTwoClientsSeeOnlyTheirOwnObjects() throws Exception {
        try (HttpStore a = new HttpStore(server.url(), alice, true, server.trustedCert());
                HttpStore b = new HttpStore(server.url(), bob, true, server.trustedCert())) {
            ObjectId ida = a.put(ObjectMeta.single("shared-label"), utf8("from a"));
            ObjectId idb = b.put(ObjectMeta.single("shared-label"), utf8("from b"));
            assertThat(a.findLabel("shared-label")).containsOnlyKeys(ida);
            assertThat(b.findLabel("shared-label")).containsOnlyKeys(idb);
            assertThatThrownBy(() -> a.get(idb)).isInstanceOf(StoreException.NotFound.class);
            assertThatThrownBy(() -> a.delete(idb)).isInstanceOf(StoreException.NotFound.class);
            List<ObjectInfo> listed = new ArrayList<>();
            a.list(listed::add);
            assertThat(listed).extracting(ObjectInfo::id).contains(ida).doesNotContain(idb);
            assertThat(b.get(idb).body()).isEqualTo(utf8("from b"));
        }
    }
}
