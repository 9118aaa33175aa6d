package org.obnam.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.obnam.testing.Https.utf8;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.store.HttpStore;
import org.obnam.store.ObjectId;
import org.obnam.store.ObjectMeta;
import org.obnam.store.StoreException;
import org.obnam.testing.Https;
import org.obnam.testing.ServerProcess;
import org.obnam.testing.TestCerts;

/** Starting, managing clients of, and stopping the real server process. */
class ServerLifecycleIT {
    @TempDir
    static Path dir;

    static ServerProcess server;

    @BeforeAll
    static void start() {
        server = ServerProcess.start(dir.resolve("server"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void clientAddedWhileTheServerRunsCanConnectAtOnceAndRemovedCannot() {
        Https http = server.https();
        ServerProcess.Run added = ServerProcess.run("client", "add", "--config", server.config().toString(), "laptop");
        assertThat(added.exitCode()).as(added.toString()).isZero();
        String token = added.lastLine();
        assertThat(token).hasSize(43);
        assertThat(http.get("/v1/chunks?label=x", token).status()).isEqualTo(200);

        ServerProcess.Run list = ServerProcess.run("client", "list", "--config", server.config().toString());
        assertThat(list.stdout()).contains("laptop").contains("read,append").doesNotContain(token);

        String id = http.post("/v1/chunks", token, utf8("kept"), "Chunk-Meta", "{\"label\":\"k\"}").json()
                .path("chunk_id").asText();
        ServerProcess.Run rotated = ServerProcess.run("client", "token", "--config", server.config().toString(),
                "laptop", "--replace");
        assertThat(rotated.exitCode()).as(rotated.toString()).isZero();
        assertThat(http.get("/v1/chunks/" + id, token).status()).isEqualTo(401);
        token = rotated.lastLine();
        assertThat(http.get("/v1/chunks/" + id, token).text()).isEqualTo("kept");

        ServerProcess.Run removed = ServerProcess.run("client", "remove", "--config", server.config().toString(), "laptop");
        assertThat(removed.exitCode()).isZero();
        assertThat(removed.stdout()).contains("namespaces");
        assertThat(http.get("/v1/chunks?label=x", token).status()).isEqualTo(401);
    }

    @Test
    void clientCommandErrorsAreOneLineAndExit1() {
        String config = server.config().toString();
        ServerProcess.Run bad = ServerProcess.run("client", "add", "--config", config, "x", "--rights", "read,write");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.stderr().strip()).contains("write").doesNotContain("\n");
        ServerProcess.Run ghost = ServerProcess.run("client", "remove", "--config", config, "ghost");
        assertThat(ghost.exitCode()).isEqualTo(1);
        assertThat(ghost.stderr()).contains("no client ghost");
    }

    @Test
    void httpStoreRefusesTheSelfSignedCertificateUnlessTrusted() throws Exception {
        String token = server.addClient("tls-check");
        try (HttpStore untrusting = new HttpStore(server.url(), token)) {
            assertThatThrownBy(() -> untrusting.findLabel("x"))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("self signed certificate")
                    .hasMessageContaining("ca_cert");
        }
        try (HttpStore trusting = new HttpStore(server.url(), token, true, server.trustedCert())) {
            ObjectId id = trusting.put(ObjectMeta.single("tls"), utf8("ok"));
            assertThat(trusting.get(id).body()).isEqualTo(utf8("ok"));
        }
    }

    @Test
    void startupErrorsAreOneClearLineAndExit1(@TempDir Path tmp) throws Exception {
        TestCerts.ServerFiles tls = TestCerts.selfSigned(tmp.resolve("tls"));
        String good = "chunks: " + tmp.resolve("chunks") + "\ntls_key: " + tls.key() + "\ntls_cert: " + tls.cert() + "\n";

        Path unknownKey = tmp.resolve("unknown.yaml");
        Files.writeString(unknownKey, "address: 127.0.0.1:1\n" + good + "tls_chain: x\n");
        ServerProcess.Run r1 = ServerProcess.run(unknownKey.toString());
        assertThat(r1.exitCode()).isEqualTo(1);
        assertThat(r1.stderr().strip().lines()).singleElement().asString().contains("tls_chain");

        Path missingCert = tmp.resolve("missing.yaml");
        Files.writeString(missingCert, "address: 127.0.0.1:1\n" + good.replace(tls.cert().toString(), "/nonexistent/cert.pem"));
        ServerProcess.Run r2 = ServerProcess.run(missingCert.toString());
        assertThat(r2.exitCode()).isEqualTo(1);
        assertThat(r2.stderr().strip().lines()).singleElement().asString().contains("/nonexistent/cert.pem");

        Path portInUse = tmp.resolve("inuse.yaml");
        Files.writeString(portInUse, "address: 127.0.0.1:" + server.port() + "\n" + good);
        ServerProcess.Run r3 = ServerProcess.run(portInUse.toString());
        assertThat(r3.exitCode()).isEqualTo(1);
        assertThat(r3.stderr().strip().lines()).singleElement().asString().contains("already in use");

        // It once started and said it was listening, every token then refused.
        Path aFile = Files.writeString(tmp.resolve("a-file"), "not a directory");
        Path chunksBelowAFile = tmp.resolve("below-file.yaml");
        Files.writeString(chunksBelowAFile, "address: 127.0.0.1:1\n" + good.replace(tmp.resolve("chunks").toString(),
                aFile.resolve("chunks").toString()));
        ServerProcess.Run r4 = ServerProcess.run(chunksBelowAFile.toString());
        assertThat(r4.exitCode()).isEqualTo(1);
        assertThat(r4.stderr().strip().lines()).singleElement().asString()
                .contains("cannot create the chunks directory " + aFile.resolve("chunks"))
                .contains("exists and is not a directory");

        ServerProcess.Run usage = ServerProcess.run();
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.stderr()).contains("CONFIG.yaml");
    }

    @Test
    void sigtermStopsCleanlyAndAcknowledgedUploadsAreDurable(@TempDir Path tmp) throws Exception {
        List<ObjectId> acknowledged = Collections.synchronizedList(new ArrayList<>());
        try (ServerProcess own = ServerProcess.start(tmp.resolve("server"))) {
            String token = own.addClient("busy");
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService uploaders = Executors.newFixedThreadPool(4);
            try (HttpStore store = new HttpStore(own.url(), token, true, own.trustedCert())) {
                for (int t = 0; t < 4; t++) {
                    int n = t;
                    uploaders.submit(() -> {
                        for (int i = 0; i < 1000 && !stop.get(); i++) {
                            try {
                                acknowledged.add(store.put(ObjectMeta.single("c" + n + "-" + i), new byte[64 << 10]));
                            } catch (StoreException e) {
                                return; // the server went away
                            }
                        }
                    });
                }
                for (int waits = 0; waits < 200 && acknowledged.size() < 8; waits++) {
                    Thread.sleep(25);
                }
                int exit = own.stop(); // SIGTERM while uploads are in flight
                stop.set(true);
                uploaders.shutdown();
                assertThat(uploaders.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
                assertThat(exit).isIn(0, 143);
                assertThat(own.stderr()).doesNotContain("\tat ");
            }
            try (Stream<Path> tmpFiles = Files.walk(own.chunks().resolve("namespaces"))) {
                assertThat(tmpFiles.filter(p -> p.getParent().getFileName().toString().equals("tmp"))).isEmpty();
            }
            assertThat(acknowledged).isNotEmpty();

            own.start();
            try (HttpStore again = new HttpStore(own.url(), token, true, own.trustedCert())) {
                for (ObjectId id : List.copyOf(acknowledged)) {
                    assertThat(again.get(id).body()).hasSize(64 << 10);
                }
            }
        }
    }
}
