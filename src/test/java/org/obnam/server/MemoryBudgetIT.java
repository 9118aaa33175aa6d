package org.obnam.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.obnam.testing.Https.utf8;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.store.HttpStore;
import org.obnam.store.ObjectMeta;
import org.obnam.store.RetryingStore;
import org.obnam.store.StoreException;
import org.obnam.testing.Https;
import org.obnam.testing.ServerProcess;

/**
 * The server's heap bounds what it accepts: with the default max_body_bytes (256 MiB) and a 64 MiB
 * heap, a body over a quarter of the heap gets 413, and one client flooding big uploads makes
 * another client's uploads wait (503, retried by the client), never fail with 500.
 */
class MemoryBudgetIT {
    private static final int MIB = 1 << 20;
    /** Over a quarter of the 64 MiB heap, far under the configured 256 MiB. */
    private static final int OVER_THE_LIMIT = 20 * MIB;
    /** Under the limit; three at once do not fit the budget of half the heap. */
    private static final int BIG = 12 * MIB;

    @TempDir
    static Path dir;

    static ServerProcess server;
    static Https http;
    static String flooder;
    static String normal;

    @BeforeAll
    static void start() {
        server = ServerProcess.start(dir.resolve("server"), "", Map.of("OBNAM_MAX_HEAP", "64m", "OBNAM_SERVER_LOG", "info"));
        flooder = server.addClient("flooder");
        normal = server.addClient("normal");
        http = server.https();
    }

    @AfterAll
    static void stop() {
        try {
            assertThat(server.stderr()).doesNotContain("OutOfMemoryError").doesNotContain("failed unexpectedly");
        } finally {
            server.close();
        }
    }

    private static Https.RawReply raw(String request) {
        return Https.raw(server.port(), server.trustedCert(), request.getBytes(StandardCharsets.ISO_8859_1),
                Duration.ofSeconds(20));
    }

    private static void isTooLarge(Https.RawReply reply) {
        assertThat(reply.status()).as(reply.text()).isEqualTo(413);
        assertThat(reply.text().toLowerCase()).contains("content-type: application/json");
        assertThat(reply.json().path("error").asText()).contains("larger than this server's limit");
        long limit = reply.json().path("max_body_bytes").asLong();
        assertThat(limit).isBetween((long) BodyBudget.CLIENT_PACK_BYTES, (long) OVER_THE_LIMIT - 1);
    }

    @Test
    void theStartLogSaysTheHeapLowersTheLimit() {
        // At info: the default limit is lowered on most heaps, which is no cause for a warning.
        assertThat(server.stderr()).contains("max_body_bytes is 268435456 but the heap is only")
                .contains("chunk_size 64 MiB needs").doesNotContain("WARN");
    }

    @Test
    void aBodyOverTheHeapsLimitIs413AndTheServerGoesOn() {
        String head = "POST /v1/chunks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + flooder
                + "\r\nChunk-Meta: {\"label\":\"big\"}\r\n";
        // Declared: refused before the body is sent.
        isTooLarge(raw(head + "Content-Length: " + OVER_THE_LIMIT + "\r\nExpect: 100-continue\r\n\r\n"));
        // Chunked: refused as soon as more than the limit has arrived.
        String piece = Integer.toHexString(MIB) + "\r\n" + "z".repeat(MIB) + "\r\n";
        isTooLarge(raw(head + "Transfer-Encoding: chunked\r\n\r\n" + piece.repeat(OVER_THE_LIMIT / MIB) + "0\r\n\r\n"));

        assertThat(http.get("/v1/chunks?label=big", flooder).text()).isEqualTo("{}");
        assertThat(http.post("/v1/chunks", flooder, utf8("still here"), "Chunk-Meta", "{\"label\":\"small\"}")
                .status()).isEqualTo(201);
    }

    @Test
    void bigUploadsOfOneClientSlowAnothersDownButNeverFailThem() throws Exception {
        assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
            AtomicInteger stored = new AtomicInteger();
            AtomicInteger busy = new AtomicInteger();
            List<CompletableFuture<Void>> flood = new ArrayList<>();
            try (ExecutorService threads = Executors.newFixedThreadPool(4);
                    HttpStore flooding = new HttpStore(server.url(), flooder, true, server.trustedCert());
                    HttpStore plain = new HttpStore(server.url(), normal, true, server.trustedCert())) {
                RetryingStore retrying = new RetryingStore(plain); // the client's own retries, as in a backup
                for (int t = 0; t < 3; t++) {
                    int thread = t;
                    flood.add(CompletableFuture.runAsync(() -> {
                        for (int i = 0; i < 6; i++) {
                            try {
                                flooding.put(ObjectMeta.single("flood-" + thread + "-" + i), new byte[BIG]);
                                stored.incrementAndGet();
                            } catch (StoreException.Transient e) {
                                assertThat(e.getMessage()).contains("busy receiving other uploads");
                                busy.incrementAndGet();
                            } catch (StoreException e) {
                                throw new AssertionError(e);
                            }
                        }
                    }, threads));
                }
                byte[] body = new byte[4 * MIB];
                for (int i = 0; i < 20; i++) {
                    body[0] = (byte) i;
                    retrying.put(ObjectMeta.single("normal-" + i), body); // throws if the retries give up
                }
                CompletableFuture.allOf(flood.toArray(CompletableFuture[]::new)).join();
                assertThat(stored.get() + busy.get()).isEqualTo(18);
                assertThat(stored.get()).isPositive();
                assertThat(plain.findLabel("normal-19")).isNotEmpty();
            }
        });
    }

    @Test
    void manyWholeObjectDownloadsAtOnceShareTheBudgetAndAllSucceed() throws Exception {
        // Twelve threads fetching 12 MiB objects at once: 144 MiB of bodies against a 96 MiB heap
        // (a server of its own: the shared one's 64 MiB leaves too little beside a 12 MiB body
        // in flight). Each fetch reserves its body first and gets 503 when there is no room; the
        // client retries.
        try (ServerProcess own = ServerProcess.start(dir.resolve("downloads"), "", Map.of("OBNAM_MAX_HEAP", "96m"))) {
            String token = own.addClient("reader");
            assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
                try (ExecutorService threads = Executors.newFixedThreadPool(12);
                        HttpStore plain = new HttpStore(own.url(), token, true, own.trustedCert())) {
                    RetryingStore retrying = new RetryingStore(plain);
                    List<org.obnam.store.ObjectId> ids = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        byte[] body = new byte[BIG];
                        java.util.Arrays.fill(body, (byte) (i + 1));
                        ids.add(retrying.put(ObjectMeta.single("download-" + i), body));
                    }
                    List<CompletableFuture<Void>> fetches = new ArrayList<>();
                    for (int t = 0; t < 12; t++) {
                        int which = t % ids.size();
                        fetches.add(CompletableFuture.runAsync(() -> {
                            try {
                                byte[] got = retrying.get(ids.get(which)).body();
                                assertThat(got).hasSize(BIG);
                                assertThat(got[0]).isEqualTo((byte) (which + 1));
                                assertThat(got[BIG - 1]).isEqualTo((byte) (which + 1));
                            } catch (StoreException e) {
                                throw new AssertionError(e);
                            }
                        }, threads));
                    }
                    CompletableFuture.allOf(fetches.toArray(CompletableFuture[]::new)).join();
                }
            });
            assertThat(own.stderr()).doesNotContain("OutOfMemoryError").doesNotContain("failed unexpectedly");
        }
    }

    @Test
    void anUploadThatCannotFitIsRefusedWithoutTouchingTheBudget() {
        assertThatThrownBy(() -> {
            try (HttpStore store = new HttpStore(server.url(), normal, true, server.trustedCert())) {
                store.put(ObjectMeta.single("too-big"), new byte[OVER_THE_LIMIT]);
            }
        }).isInstanceOf(StoreException.BadRequest.class).hasMessageContaining("larger than this server's limit");
    }
}
