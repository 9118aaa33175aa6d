package org.obnam.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.server.Right;
import org.obnam.testing.FreePort;
import org.obnam.testing.InProcessServer;
import org.obnam.testing.TestCerts;

/** HttpStore against a real chunk server in this JVM, over TLS with a certificate made for the test. */
class HttpStoreTest extends StoreContract {
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    @TempDir
    static Path dir;

    static InProcessServer server;
    private String token;

    @BeforeAll
    static void startServer() {
        server = InProcessServer.start(dir.resolve("server"));
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private String newClient(Set<Right> rights) {
        return server.addClient("client-" + CLIENTS.incrementAndGet(), rights);
    }

    /** Drafts go to files here, as the client's do; the contract's draft tests cover them. */
    private static Path drafts() {
        return dir.resolve("drafts");
    }

    private HttpStore connect(String token) throws StoreException {
        return new HttpStore(server.url(), token, true, server.trustedCert(), drafts());
    }

    /** Cuts short the object's file in the server's storage (the server keeps each client's objects in a directory store). */
    @Override
    protected void truncate(ObjectId id) throws Exception {
        Path file;
        try (Stream<Path> all = Files.walk(dir.resolve("server"))) {
            file = all.filter(p -> p.getFileName().toString().equals(id.value())).findFirst().orElseThrow();
        }
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(20);
        }
    }

    @Test
    void aBodyGoesStraightIntoTheArrayGivenForItSoThatARestoreCanReuseItsArrays() throws Exception {
        byte[] body = new byte[300_000];
        new java.util.Random(3).nextBytes(body);
        ObjectId id = store.put(ObjectMeta.single("straight"), body);
        byte[] given = new byte[400_000];

        ObjectBody got = store.getBody(id, n -> given);

        assertThat(got.array()).isSameAs(given);
        assertThat(java.util.Arrays.copyOf(got.array(), got.length())).isEqualTo(body);
    }

    @Test
    void whatGoesWrongTakingTheGivenArrayReachesTheCallerAsItself() throws Exception {
        ObjectId id = store.put(ObjectMeta.single("no-array"), new byte[300_000]);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

        assertThatThrownBy(() -> store.getBody(id, n -> {
            calls.incrementAndGet();
            throw new IllegalStateException("no array for " + n + " bytes");
        })).isInstanceOf(IllegalStateException.class).hasMessage("no array for 300000 bytes");
        assertThatThrownBy(() -> store.getBody(id, n -> new byte[10]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot take 300000");
        assertThat(calls).hasValue(1);
    }

    private static List<String> draftFiles() throws java.io.IOException {
        if (!Files.isDirectory(drafts())) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(drafts())) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void draftsAreUploadedFromOwnerOnlyFilesThatAreRemovedAfterwardsAndWhenStale() throws Exception {
        assertThat(store.draftsInMemory()).isFalse();
        ObjectId id;
        try (ObjectDraft draft = store.draft()) {
            draft.write(0, new byte[] {7, 8, 9}, 0, 3);
            List<String> during = draftFiles().stream().filter(n -> n.startsWith("upload-")).toList();
            assertThat(during).hasSize(1);
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(drafts().resolve(during.getFirst())))).isEqualTo("rw-------");
            id = draft.commit(ObjectMeta.single("drafted"), 3);
        }
        assertThat(store.get(id).body()).containsExactly(7, 8, 9);
        assertThat(draftFiles()).noneMatch(n -> n.startsWith("upload-"));
        Path stale = Files.write(drafts().resolve("upload-stale.tmp"), new byte[10]);
        Files.setLastModifiedTime(stale, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 7_200_000));
        Path fresh = Files.write(drafts().resolve("upload-fresh.tmp"), new byte[10]);
        try (HttpStore another = connect(token)) {
            assertThat(draftFiles()).containsExactly("upload-fresh.tmp");
        }
        Files.delete(fresh);
        try (HttpStore inMemory = new HttpStore(server.url(), token, true, server.trustedCert())) {
            assertThat(inMemory.draftsInMemory()).isTrue();
            try (ObjectDraft draft = inMemory.draft()) {
                draft.write(0, new byte[] {1}, 0, 1);
                assertThat(inMemory.get(draft.commit(ObjectMeta.single("m"), 1)).body()).containsExactly(1);
            }
        }
    }

    @Override
    protected Store newStore() throws Exception {
        token = newClient(EnumSet.allOf(Right.class));
        return connect(token);
    }

    @Override
    protected Store reopen() throws Exception {
        server.restart();
        return connect(token);
    }

    @Test
    void httpUrlIsRefusedNamingHttps() {
        assertThatThrownBy(() -> new HttpStore("http://127.0.0.1:8888", "token"))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("https:");
    }

    @Test
    void selfSignedCertificateIsRefusedWithAMessageSayingHowToFixIt() throws Exception {
        try (HttpStore untrusting = new HttpStore(server.url(), token)) {
            assertThatThrownBy(untrusting::recordNames)
                    .isInstanceOf(StoreException.class)
                    .isNotInstanceOf(StoreException.Transient.class)
                    .hasMessageContaining("self signed certificate")
                    .hasMessageContaining("ca_cert")
                    .hasMessageContaining("verify_tls_cert: false");
        }
    }

    @Test
    void anyCertificateIsAcceptedWhenVerificationIsOff() throws Exception {
        try (HttpStore trusting = new HttpStore(server.url(), token, false, null)) {
            assertThat(trusting.recordNames()).isEmpty();
        }
    }

    @Test
    void certificateSignedByATrustedCaIsAccepted(@TempDir Path tmp) throws Exception {
        TestCerts.ServerFiles tls = TestCerts.caSigned(tmp.resolve("tls"));
        try (InProcessServer other = InProcessServer.start(tmp.resolve("server"), "", tls)) {
            String t = other.addClient("ca-client", Right.DEFAULT);
            try (HttpStore s = new HttpStore(other.url(), t, true, tls.trust())) {
                ObjectId id = s.put(ObjectMeta.single("x"), new byte[] {1, 2, 3});
                assertThat(s.get(id).body()).containsExactly(1, 2, 3);
            }
            try (HttpStore untrusting = new HttpStore(other.url(), t)) {
                assertThatThrownBy(untrusting::recordNames).hasMessageContaining("not trusted");
            }
        }
    }

    @Test
    void missingCaCertFileIsNamed() {
        assertThatThrownBy(() -> new HttpStore(server.url(), token, true, dir.resolve("nope.pem")))
                .hasMessageContaining("nope.pem");
    }

    @Test
    void invalidTokenIsForbiddenWithAClearMessage() throws Exception {
        try (HttpStore s = connect("not-a-real-token")) {
            assertThatThrownBy(() -> s.findLabel("x"))
                    .isInstanceOf(StoreException.Forbidden.class)
                    .hasMessageContaining("refused the access token");
        }
    }

    @Test
    void defaultTokenCanReadAndAppendButNotDelete() throws Exception {
        try (HttpStore s = connect(newClient(Right.DEFAULT))) {
            ObjectId id = s.put(ObjectMeta.single("keep"), new byte[] {9});
            assertThatThrownBy(() -> s.delete(id))
                    .isInstanceOf(StoreException.Forbidden.class)
                    .hasMessageContaining("delete");
            assertThat(s.get(id).body()).containsExactly(9);
        }
    }

    @Test
    void readOnlyTokenCannotUploadOrWriteRecords() throws Exception {
        try (HttpStore s = connect(newClient(EnumSet.of(Right.READ)))) {
            assertThatThrownBy(() -> s.put(ObjectMeta.single("x"), new byte[1]))
                    .isInstanceOf(StoreException.Forbidden.class);
            assertThatThrownBy(() -> s.compareAndSetRecord("r", 0, new byte[1]))
                    .isInstanceOf(StoreException.Forbidden.class);
            assertThat(s.findLabel("x")).isEmpty();
        }
    }

    @Test
    void fullPackMetadataFitsTheHeaderLimits() throws Exception {
        List<String> labels = new ArrayList<>();
        List<Long> lengths = new ArrayList<>();
        for (int i = 0; i < ObjectMeta.MAX_LABELS; i++) {
            labels.add(String.format("%0128d", i));
            lengths.add(1L);
        }
        byte[] body = new byte[ObjectMeta.MAX_LABELS];
        new Random(1).nextBytes(body);
        ObjectId id = store.put(ObjectMeta.pack(labels, lengths), body);
        StoredObject got = store.get(id);
        assertThat(got.meta().labels()).isEqualTo(labels);
        assertThat(got.body()).isEqualTo(body);
        assertThat(store.findLabels(labels)).hasSize(ObjectMeta.MAX_LABELS);
    }

    @Test
    void bigObjectsGoThroughExpectContinue() throws Exception {
        byte[] body = new byte[ServerConnection.EXPECT_CONTINUE_BYTES * 3 + 17];
        new Random(2).nextBytes(body);
        ObjectId id = store.put(ObjectMeta.single("big"), body);
        assertThat(store.get(id).body()).isEqualTo(body);
        long version = store.compareAndSetRecord("big-record", 0, body);
        assertThat(store.getRecord("big-record").orElseThrow()).satisfies(r -> {
            assertThat(r.version()).isEqualTo(version);
            assertThat(r.body()).isEqualTo(body);
        });
    }

    @Test
    void nonAsciiMetadataSurvivesTheHeader() throws Exception {
        ObjectMeta meta = ObjectMeta.parse("{\"label\": \"x\", \"note\": \"Grüße ✓\"}");
        ObjectId id = store.put(meta, new byte[] {1});
        assertThat(store.get(id).meta()).isEqualTo(meta);
    }

    @Test
    void labelsWithUrlSpecialCharactersAreFound() throws Exception {
        String label = "sha256:a+b=c.d_e-f";
        ObjectId id = store.put(ObjectMeta.single(label), new byte[] {1});
        assertThat(store.findLabel(label)).containsOnlyKeys(id);
        assertThat(store.findLabels(List.of(label))).containsOnlyKeys(label);
        assertThat(store.findLabel("sha256:a b")).isEmpty(); // cannot be a label, so is found nowhere
        assertThat(store.findLabels(List.of(label, "a b", ""))).containsOnlyKeys(label);
    }

    @Test
    void emptyRangeAtTheEndIsEmptyAndBeyondItIsRefused() throws Exception {
        ObjectId id = store.put(ObjectMeta.single("x"), new byte[10]);
        assertThat(store.getRange(id, 10, 0)).isEmpty();
        assertThat(store.getRange(id, 0, 10)).hasSize(10);
        assertThatThrownBy(() -> store.getRange(id, 11, 0)).isInstanceOf(StoreException.BadRequest.class);
        assertThatThrownBy(() -> store.getRange(id, 10, 1)).isInstanceOf(StoreException.BadRequest.class);
    }

    @Test
    void listingPagesThroughEveryObject() throws Exception {
        List<ObjectId> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(store.put(ObjectMeta.single("p" + i), new byte[i]));
        }
        ((HttpStore) store).setPageSize(2);
        List<ObjectInfo> listed = new ArrayList<>();
        store.list(listed::add);
        assertThat(listed).extracting(ObjectInfo::id).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void manyRequestsInFlightFromManyThreads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 32; t++) {
                int n = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 4; i++) {
                        byte[] body = new byte[5000];
                        new Random(n * 100L + i).nextBytes(body);
                        ObjectId id = store.put(ObjectMeta.single("t" + n + "-" + i), body);
                        assertThat(store.getRange(id, 100, 10)).isEqualTo(java.util.Arrays.copyOfRange(body, 100, 110));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        List<String> labels = new ArrayList<>();
        for (int t = 0; t < 32; t++) {
            for (int i = 0; i < 4; i++) {
                labels.add("t" + t + "-" + i);
            }
        }
        assertThat(store.findLabels(labels)).hasSize(128);
    }

    @Test
    void unreachableServerIsATransientFailure() throws Exception {
        try (HttpStore s = new HttpStore("https://127.0.0.1:" + FreePort.find(), token, true, server.trustedCert())) {
            assertThatThrownBy(s::recordNames).isInstanceOf(StoreException.Transient.class);
        }
    }

    @Test
    void damagedObjectOnTheServerIsCorrupt() throws Exception {
        ObjectId id = store.put(ObjectMeta.single("bad"), new byte[100]);
        Path file;
        try (Stream<Path> files = Files.walk(server.chunks().resolve("namespaces"))) {
            file = files.filter(p -> p.getFileName().toString().equals(id.value())).findFirst().orElseThrow();
        }
        byte[] content = Files.readAllBytes(file);
        content[content.length - 1] ^= 1;
        Files.write(file, content);
        assertThatThrownBy(() -> store.get(id)).isInstanceOf(StoreException.Corrupt.class);
    }
}
