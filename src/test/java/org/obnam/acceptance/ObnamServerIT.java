package org.obnam.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.ExternalCommand.Result;
import org.obnam.testing.Manifest;
import org.obnam.testing.Obnam;
import org.obnam.testing.ServerProcess;
import org.obnam.testing.Tree;

/**
 * The scenarios of Rust Obnam's obnam.md that need a chunk server: the client refuses a
 * self-signed certificate (DESIGN section 5: unless verify_tls_cert is false or the certificate
 * is trusted with ca_cert), the smoke test over HTTPS, and no cleartext on the server. One real
 * obnam-server for the class; each test is its own client (namespace, token), so tests share no
 * data.
 */
class ObnamServerIT {
    @TempDir
    static Path serverDir;

    private static ServerProcess server;

    @TempDir
    Path dir;

    private Obnam obnam;
    private Tree live;
    private String token;

    @BeforeAll
    static void startServer() {
        server = ServerProcess.start(serverDir.resolve("server"));
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void setUp() {
        obnam = Obnam.in(dir);
        live = Tree.at(dir.resolve("live"));
        token = server.addClient("client-" + UUID.randomUUID());
    }

    /** This client's token, the server's certificate trusted, root {@code live}, and {@code more}. */
    private void configureForServer(String more) {
        obnam.configureExactly("""
                server_url: %s
                access_token: %s
                ca_cert: %s
                roots: [live]
                """.formatted(server.url(), token, server.trustedCert()) + more);
    }

    @Test
    void clientRefusesASelfSignedCertificateUnlessToldNotToVerify() {
        live.randomFile("data.dat", 1000);
        obnam.configureExactly("""
                server_url: %s
                access_token: %s
                verify_tls_cert: true
                roots: [live]
                """.formatted(server.url(), token));

        Result refused = obnam.run("init", "--insecure-passphrase=hunter2");

        refused.expectFailure();
        assertThat(refused.stderr()).as(refused.describe()).contains("self signed certificate");

        obnam.configureExactly("""
                server_url: %s
                access_token: %s
                verify_tls_cert: false
                roots: [live]
                """.formatted(server.url(), token));
        obnam.init("hunter2");
        String gen = obnam.backup().generationId();
        assertThat(obnam.ok("list").stdout()).contains(gen);
    }

    @Test
    void smokeTestForBackupAndRestoreThroughTheServer() throws Exception {
        configureForServer("");
        live.randomFile("data.dat", 200_000);
        live.file("sub/notes.txt", "notes");
        live.symlink("link", "sub/notes.txt");
        Manifest before = Manifest.of(live.root());
        obnam.init("hunter2");

        String gen = obnam.backup().generationId();

        assertThat(obnam.ok("list").stdout()).contains(gen);
        assertThat(obnam.ok("resolve", "latest").stdout().strip()).isEqualTo(gen);
        obnam.ok("restore", gen, "rest");
        assertThat(Manifest.of(dir.resolve("rest/live"))).isEqualTo(before);

        // The same configuration readable by others: the token in it is named as at risk, once,
        // and the command still works.
        java.nio.file.Files.setPosixFilePermissions(obnam.configFile(),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Result listed = obnam.ok("list");
        assertThat(listed.stdout()).contains(gen);
        assertThat(listed.stderr().lines().toList()).as(listed.describe()).containsExactly("obnam: warning: configuration file "
                + obnam.configFile() + " holds access_token and can be read by other users (mode 0644): anyone who reads"
                + " it can use this client's access to the server; chmod 600 " + obnam.configFile());
    }

    @Test
    void aBackupThroughTheServerFillsItsPacksOnDiskSoASmallHeapIsEnough() throws Exception {
        // Packs fill in files in the scratch directory, not in the heap: 80 MiB of heap was too
        // little while four 8 MiB packs were assembled in memory and copied for each upload.
        configureForServer("compression: none\n");
        for (int i = 0; i < 6; i++) {
            live.randomFile("big-" + i + ".dat", (6 << 20) + i * 100_000);
        }
        for (int i = 0; i < 200; i++) {
            live.randomFile("small/" + i + ".dat", 3000 + i * 50);
        }
        Manifest before = Manifest.of(live.root());
        obnam.init("hunter2");

        String gen = obnam.withEnv("OBNAM_MAX_HEAP", "80m").backup().generationId();

        Path scratch = obnam.home().resolve(".cache/obnam/tmp");
        try (Stream<Path> left = Files.list(scratch)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("upload-"));
        }
        obnam.ok("restore", gen, "rest");
        assertThat(Manifest.of(dir.resolve("rest/live"))).isEqualTo(before);
    }

    @Test
    void clientWithAWrongTokenIsRefused() {
        obnam.configureExactly("""
                server_url: %s
                access_token: not-%s
                ca_cert: %s
                roots: [live]
                """.formatted(server.url(), token, server.trustedCert()));
        live.randomFile("data.dat", 1000);

        Result r = obnam.run("init", "--insecure-passphrase=hunter2");

        r.expectExit(1);
        assertThat(r.stderr()).as(r.describe()).isNotBlank().doesNotContain("Exception");
    }

    @Test
    void neitherThePassphraseNorTheBackedUpDataAreOnTheServerInCleartext() throws Exception {
        String passphrase = "server-side-secret-" + UUID.randomUUID();
        String marker = "plaintext-marker-" + UUID.randomUUID();
        configureForServer("compression: none\n");
        live.file("diary.txt", (marker + "\n").repeat(200));
        obnam.init(passphrase);
        obnam.backup();

        List<Path> files = filesUnder(server.chunks());
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            assertThat(content).as("server file %s", f).doesNotContain(passphrase).doesNotContain(marker)
                    .doesNotContain("diary.txt");
        }
    }

    private static List<Path> filesUnder(Path top) throws IOException {
        try (Stream<Path> all = Files.walk(top)) {
            return all.filter(Files::isRegularFile).toList();
        }
    }
}
