package org.obnam.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
    @TempDir
    Path dir;

    @BeforeEach
    void tlsFiles() throws Exception {
        Files.writeString(dir.resolve("key.pem"), "key");
        Files.writeString(dir.resolve("cert.pem"), "cert");
    }

    private Path write(String yaml) throws Exception {
        Path file = dir.resolve("server.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private String minimal(String address) {
        return "address: " + address + "\nchunks: " + dir.resolve("chunks") + "\ntls_key: " + dir.resolve("key.pem")
                + "\ntls_cert: " + dir.resolve("cert.pem") + "\n";
    }

    @Test
    void minimalConfigGetsSaneDefaults() throws Exception {
        ServerConfig c = ServerConfig.load(write(minimal("localhost:8888")));
        assertThat(c.host()).isEqualTo("localhost");
        assertThat(c.port()).isEqualTo(8888);
        assertThat(c.chunks()).isEqualTo(dir.resolve("chunks"));
        assertThat(c.maxBodyBytes()).isEqualTo(256L << 20);
        assertThat(c.maxHeaderBytes()).isGreaterThanOrEqualTo(64 << 10);
        assertThat(c.idleTimeoutSeconds()).isPositive();
        assertThat(c.maxLabelsPerLookup()).isEqualTo(10_000);
    }

    @Test
    void limitsCanBeSet() throws Exception {
        ServerConfig c = ServerConfig.load(write(minimal("127.0.0.1:1") + "max_body_bytes: 1000\nmax_header_bytes: 4096\n"
                + "idle_timeout_seconds: 5\nmax_labels_per_lookup: 2000\nshutdown_timeout_seconds: 3\n"));
        assertThat(c.maxBodyBytes()).isEqualTo(1000);
        assertThat(c.maxHeaderBytes()).isEqualTo(4096);
        assertThat(c.idleTimeoutSeconds()).isEqualTo(5);
        assertThat(c.maxLabelsPerLookup()).isEqualTo(2000);
        assertThat(c.shutdownTimeoutSeconds()).isEqualTo(3);
    }

    @Test
    void unknownKeyIsNamed() throws Exception {
        Path file = write(minimal("localhost:8888") + "chunk_dir: /tmp\n");
        assertThatThrownBy(() -> ServerConfig.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("chunk_dir")
                .hasMessageContaining(file.toString());
    }

    @Test
    void badAddressesAreRefused() throws Exception {
        for (String bad : new String[] {"localhost", "localhost:", ":8888", "localhost:http", "localhost:99999",
            "a b:1", "::1:8888", "[::1]8888"}) {
            Path file = write(minimal("\"" + bad + "\""));
            assertThatThrownBy(() -> ServerConfig.load(file))
                    .as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("address");
        }
    }

    @Test
    void ipv6AddressInBrackets() throws Exception {
        ServerConfig c = ServerConfig.load(write(minimal("\"[::1]:8888\"")));
        assertThat(c.host()).isEqualTo("::1");
        assertThat(c.address()).isEqualTo("[::1]:8888");
    }

    @Test
    void missingAddressIsNamed() throws Exception {
        Path file = write("chunks: /tmp/x\ntls_key: k\ntls_cert: c\n");
        assertThatThrownBy(() -> ServerConfig.load(file)).hasMessageContaining("must set address");
    }

    @Test
    void missingTlsFilesAreNamed() throws Exception {
        Path file = write("address: localhost:8888\nchunks: chunks\ntls_key: missing-key.pem\ntls_cert: cert.pem\n");
        assertThatThrownBy(() -> ServerConfig.load(file))
                .hasMessageContaining("tls_key")
                .hasMessageContaining("missing-key.pem")
                .hasMessageContaining("does not exist");
    }

    @Test
    void clientManagementDoesNotNeedTheTlsFiles() throws Exception {
        Path file = write("address: localhost:8888\nchunks: chunks\ntls_key: missing.pem\ntls_cert: missing.pem\n");
        assertThat(ServerConfig.load(file, false).chunks()).isEqualTo(dir.resolve("chunks"));
    }

    @Test
    void relativePathsAreRelativeToTheConfigFile() throws Exception {
        ServerConfig c = ServerConfig.load(write("address: localhost:8888\nchunks: data/chunks\ntls_key: key.pem\n"
                + "tls_cert: ./cert.pem\n"));
        assertThat(c.chunks()).isEqualTo(dir.resolve("data/chunks"));
        assertThat(c.tlsCert()).isEqualTo(dir.resolve("cert.pem"));
    }

    @Test
    void tildeIsExpanded() throws Exception {
        ServerConfig c = ServerConfig.load(write(minimal("localhost:8888").replace("chunks: " + dir.resolve("chunks"),
                "chunks: ~/obnam-chunks")));
        String home = System.getenv("HOME") != null ? System.getenv("HOME") : System.getProperty("user.home");
        assertThat(c.chunks()).isEqualTo(Path.of(home, "obnam-chunks"));
    }

    @Test
    void outOfRangeLimitIsNamed() throws Exception {
        Path file = write(minimal("localhost:8888") + "max_body_bytes: 0\n");
        assertThatThrownBy(() -> ServerConfig.load(file)).hasMessageContaining("max_body_bytes");
        Path file2 = write(minimal("localhost:8888") + "idle_timeout_seconds: soon\n");
        assertThatThrownBy(() -> ServerConfig.load(file2)).hasMessageContaining("idle_timeout_seconds");
    }

    @Test
    void chunksMustNotBeAFile() throws Exception {
        Files.writeString(dir.resolve("chunks"), "oops");
        Path file = write(minimal("localhost:8888"));
        assertThatThrownBy(() -> ServerConfig.load(file)).hasMessageContaining("not a directory");
    }
}
