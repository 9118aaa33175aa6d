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
import org.obnam.store.StoreException;
import org.obnam.testing.Https;
import org.obnam.testing.ServerProcess;

/**
 * The server's heap does not bound the chunks it takes, and does bound what it reads whole: with
 * the default max_body_bytes (256 MiB) and a 64 MiB heap, chunks far bigger than a quarter of the
 * heap are stored and sent back (they stream between the network and their files), many big
 * uploads and downloads at once all succeed without waiting, and a record over a quarter of the
 * heap gets 413.
 */
class MemoryBudgetIT {
    private static final int MIB = 1 << 20;
    /** Over a quarter of the 64 MiB heap, far under the configured 256 MiB. */
    private static final int OVER_THE_RECORD_LIMIT = 20 * MIB;
    /** Twelve of these at once are more than twice the heap. */
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
        assertThat(limit).isBetween((long) BodyBudget.CLIENT_PACK_BYTES, (long) OVER_THE_RECORD_LIMIT - 1);
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void theStartLogSaysWhatBodiesTheServerTakes() {
        // At info: the lowered record limit is no cause for a warning.
        assertThat(server.stderr()).contains("chunks of up to 268435456 bytes, streamed to disk")
                .contains("records and label lists of up to").doesNotContain("WARN");
    }

    @Test
    void aChunkOfMoreThanTheWholeHeapIsStoredAndSentBackWholeAndInRanges() throws Exception {
        byte[] body = random(72 * MIB, 7); // a 64 MiB chunk_size's largest chunk, and more
        try (HttpStore store = new HttpStore(server.url(), normal, true, server.trustedCert())) {
            org.obnam.store.ObjectId id = store.put(ObjectMeta.single("huge"), body);
            assertThat(store.get(id).body()).isEqualTo(body);
            assertThat(store.getRange(id, 70 * MIB + 5, 1000))
                    .isEqualTo(java.util.Arrays.copyOfRange(body, 70 * MIB + 5, 70 * MIB + 1005));
            assertThat(store.getRange(id, 0, 20 * MIB)).isEqualTo(java.util.Arrays.copyOf(body, 20 * MIB));
        }
    }

    @Test
    void aRecordOverTheHeapsLimitIs413AndTheServerGoesOn() {
        String head = "PUT /v1/records/big HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + flooder
                + "\r\nIf-Match: 0\r\n";
        // Declared: refused before the body is sent.
        isTooLarge(raw(head + "Content-Length: " + OVER_THE_RECORD_LIMIT + "\r\nExpect: 100-continue\r\n\r\n"));
        // Chunked: refused as soon as more than the limit has arrived.
        String piece = Integer.toHexString(MIB) + "\r\n" + "z".repeat(MIB) + "\r\n";
        isTooLarge(raw(head + "Transfer-Encoding: chunked\r\n\r\n" + piece.repeat(OVER_THE_RECORD_LIMIT / MIB) + "0\r\n\r\n"));

        assertThat(http.get("/v1/records/big", flooder).status()).isEqualTo(404);
        assertThat(http.post("/v1/chunks", flooder, utf8("still here"), "Chunk-Meta", "{\"label\":\"small\"}")
                .status()).isEqualTo(201);
    }

    @Test
    void bigUploadsOfOneClientNeitherFailNorHoldUpAnothers() throws Exception {
        assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
            AtomicInteger stored = new AtomicInteger();
            List<CompletableFuture<Void>> flood = new ArrayList<>();
            try (ExecutorService threads = Executors.newFixedThreadPool(4);
                    HttpStore flooding = new HttpStore(server.url(), flooder, true, server.trustedCert());
                    HttpStore plain = new HttpStore(server.url(), normal, true, server.trustedCert())) {
                for (int t = 0; t < 3; t++) {
                    int thread = t;
                    flood.add(CompletableFuture.runAsync(() -> {
                        for (int i = 0; i < 6; i++) {
                            try {
                                flooding.put(ObjectMeta.single("flood-" + thread + "-" + i), new byte[BIG]);
                                stored.incrementAndGet();
                            } catch (StoreException e) {
                                throw new AssertionError(e); // a 503 (busy) included: uploads take no heap
                            }
                        }
                    }, threads));
                }
                byte[] body = new byte[4 * MIB];
                for (int i = 0; i < 20; i++) {
                    body[0] = (byte) i;
                    plain.put(ObjectMeta.single("normal-" + i), body); // no retries: any refusal fails the test
                }
                CompletableFuture.allOf(flood.toArray(CompletableFuture[]::new)).join();
                assertThat(stored.get()).isEqualTo(18);
                assertThat(plain.findLabel("normal-19")).isNotEmpty();
            }
        });
    }

    @Test
    void manyWholeObjectDownloadsAtOnceAllSucceed() throws Exception {
        // Twelve threads fetching 12 MiB objects at once: 144 MiB of bodies from a 64 MiB heap,
        // with no retries: each is sent from its file a piece at a time.
        assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
            try (ExecutorService threads = Executors.newFixedThreadPool(12);
                    HttpStore plain = new HttpStore(server.url(), normal, true, server.trustedCert())) {
                List<byte[]> bodies = new ArrayList<>();
                List<org.obnam.store.ObjectId> ids = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    bodies.add(random(BIG, i));
                    ids.add(plain.put(ObjectMeta.single("download-" + i), bodies.get(i)));
                }
                List<CompletableFuture<Void>> fetches = new ArrayList<>();
                for (int t = 0; t < 12; t++) {
                    int which = t % ids.size();
                    fetches.add(CompletableFuture.runAsync(() -> {
                        try {
                            assertThat(plain.get(ids.get(which)).body()).isEqualTo(bodies.get(which));
                        } catch (StoreException e) {
                            throw new AssertionError(e);
                        }
                    }, threads));
                }
                CompletableFuture.allOf(fetches.toArray(CompletableFuture[]::new)).join();
            }
        });
    }

    @Test
    void aRecordThatCannotFitIsRefusedAsTooLarge() {
        assertThatThrownBy(() -> {
            try (HttpStore store = new HttpStore(server.url(), normal, true, server.trustedCert())) {
                store.compareAndSetRecord("too-big", 0, new byte[OVER_THE_RECORD_LIMIT]);
            }
        }).isInstanceOf(StoreException.BadRequest.class).hasMessageContaining("larger than this server's limit");
    }
}
