package org.obnam.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientConfigTest {
    @TempDir
    Path dir;

    private ClientConfig read(String yaml) throws Exception {
        Path f = dir.resolve("obnam.yaml");
        Files.writeString(f, yaml);
        return ClientConfig.read(f);
    }

    @Test
    void minimalLocalConfigGetsDefaults() throws Exception {
        ClientConfig c = read("server_url: /srv/repo\nroots: [live]\n");
        assertThat(c.repository()).isEqualTo(new RepositoryLocation.Local(Path.of("/srv/repo")));
        assertThat(c.roots()).containsExactly("live");
        assertThat(c.chunkSize()).isEqualTo(4 << 20);
        assertThat(c.verifyTlsCert()).isTrue();
        assertThat(c.excludeCacheTagDirectories()).isTrue();
        assertThat(c.compression()).isEqualTo(Compression.DEFAULT);
    }

    @Test
    void tildesAreExpanded() throws Exception {
        String home = System.getenv().getOrDefault("HOME", System.getProperty("user.home"));
        ClientConfig c = read("server_url: ~/repo\nroots: [~/important]\nlog: ~/obnam.log\n");
        assertThat(c.roots()).containsExactly(home + "/important");
        assertThat(c.log()).contains(Path.of(home, "obnam.log"));
        assertThat(c.repository().toString()).isEqualTo(home + "/repo");
    }

    @Test
    void aFileUrlNamesALocalRepositoryWithOrWithoutLocalhost() throws Exception {
        for (String url : new String[] {"file:///srv/repo", "file://localhost/srv/repo", "file:/srv/repo"}) {
            assertThat(read("server_url: " + url + "\nroots: [x]\n").repository())
                    .as(url).isEqualTo(new RepositoryLocation.Local(Path.of("/srv/repo")));
        }
        for (String bad : new String[] {"file://elsewhere/srv/repo", "file://localhost/srv/repo#2", "file://localhost/srv/repo?x"}) {
            assertThatThrownBy(() -> read("server_url: " + bad + "\nroots: [x]\n")).as(bad)
                    .isInstanceOf(ConfigException.class).hasMessageContaining("file:///absolute/path");
        }
    }

    @Test
    void httpIsRefusedNamingHttps() {
        assertThatThrownBy(() -> read("server_url: http://backup.example.com\nroots: [x]\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("https:");
    }

    @Test
    void httpsServerIsAccepted() throws Exception {
        ClientConfig c = read("server_url: https://backup.example.com:8888\nroots: [x]\nverify_tls_cert: false\naccess_token: abc\n");
        assertThat(c.repository()).isInstanceOf(RepositoryLocation.Remote.class);
        assertThat(c.repository().toString()).isEqualTo("https://backup.example.com:8888");
        assertThat(c.verifyTlsCert()).isFalse();
        assertThat(c.accessToken()).contains("abc");
        assertThat(c.toDisplayMap().get("access_token")).isEqualTo("(set)");
    }

    @Test
    void aTokenOthersCanReadIsWarnedAbout() throws Exception {
        Path f = dir.resolve("obnam.yaml");
        Files.writeString(f, "server_url: https://backup.example.com\nroots: [x]\naccess_token: abc\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(ClientConfig.read(f).warnings()).singleElement().asString()
                .isEqualTo("configuration file " + f + " holds access_token and can be read by other users (mode 0644):"
                        + " anyone who reads it can use this client's access to the server; chmod 600 " + f);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        assertThat(ClientConfig.read(f).warnings()).isEmpty();

        Path token = dir.resolve("token");
        Files.writeString(token, "abc\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r-----"));
        Files.writeString(f, "server_url: https://backup.example.com\nroots: [x]\naccess_token_file: " + token + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--")); // holds no secret now
        assertThat(ClientConfig.read(f).warnings()).singleElement().asString()
                .startsWith("access_token_file " + token + " can be read by other users (mode 0640)");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("r--------"));
        assertThat(ClientConfig.read(f).warnings()).isEmpty();
    }

    @Test
    void aCaCertThatIsADirectoryIsRefusedWhenTheConfigurationIsRead() {
        assertThatThrownBy(() -> read("server_url: https://backup.example.com\nroots: [x]\nca_cert: " + dir + "\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ca_cert")
                .hasMessageContaining("which is not a file").hasMessageNotContaining("java.");
    }

    @Test
    void aConfigurationWithoutATokenIsNotWarnedAboutWhoeverCanReadIt() throws Exception {
        Path f = dir.resolve("obnam.yaml");
        Files.writeString(f, "server_url: /srv/repo\nroots: [x]\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-r--"));
        assertThat(ClientConfig.read(f).warnings()).isEmpty();
    }

    @Test
    void unknownKeysAreNamed() {
        assertThatThrownBy(() -> read("server_url: /r\nroots: [x]\nchunksize: 5\nfrobnicate: 1\n"))
                .hasMessageContaining("chunksize").hasMessageContaining("frobnicate");
    }

    @Test
    void badValuesAreNamed() {
        assertThatThrownBy(() -> read("server_url: /r\nroots: [x]\nchunk_size: 0\n")).hasMessageContaining("chunk_size");
        assertThatThrownBy(() -> read("server_url: /r\nroots: [x]\nchunk_size: lots\n")).hasMessageContaining("chunk_size");
        assertThatThrownBy(() -> read("server_url: /r\nroots: [x]\nverify_tls_cert: maybe\n")).hasMessageContaining("verify_tls_cert");
        assertThatThrownBy(() -> read("server_url: /r\nroots: [x]\ncompression: gzip\n")).hasMessageContaining("compression");
        assertThatThrownBy(() -> read("server_url: /r\nroots: []\n")).hasMessageContaining("roots");
        assertThatThrownBy(() -> read("roots: [x]\n")).hasMessageContaining("server_url");
        assertThatThrownBy(() -> read("server_url: ftp://x\nroots: [x]\n")).hasMessageContaining("scheme");
    }

    @Test
    void syntaxErrorsAndNonMappingsAreReportedWithTheFileName() {
        assertThatThrownBy(() -> read("server_url: [unclosed\n")).hasMessageContaining("obnam.yaml").hasMessageContaining("YAML");
        assertThatThrownBy(() -> read("- a list\n- not a mapping\n")).hasMessageContaining("mapping");
        assertThatThrownBy(() -> ClientConfig.read(dir.resolve("missing.yaml"))).hasMessageContaining("does not exist");
    }

    @Test
    void compressionLevels() {
        assertThat(Compression.parse("none")).isEqualTo(Compression.NONE);
        assertThat(Compression.parse("zstd:19").level()).isEqualTo(19);
        assertThat(Compression.parse("zstd:-3").level()).isEqualTo(-3);
        assertThatThrownBy(() -> Compression.parse("zstd:99")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void passwordsFileIsOwnerOnlyAndRefusedOtherwise() throws Exception {
        PasswordsFile p = new PasswordsFile(dir.resolve("cfg/passwords.yaml"));
        String key = "ab".repeat(64);
        p.store("0123456789abcdef", key);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p.file()))).isEqualTo("rw-------");
        assertThat(p.masterKeyHex("0123456789abcdef")).contains(key);
        assertThat(p.masterKeyHex("ffffffffffffffff")).isEmpty();
        p.store("fedcba9876543210", "cd".repeat(64));
        assertThat(p.masterKeyHex("0123456789abcdef")).contains(key);
        Files.setPosixFilePermissions(p.file(), PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> p.masterKeyHex("0123456789abcdef"))
                .hasMessageContaining(p.file().toString()).hasMessageContaining("insecure");
    }

    @Test
    void damagedPasswordsFileIsNamed() throws Exception {
        Path f = dir.resolve("passwords.yaml");
        Files.writeString(f, "repositories:\n  abcdef0123: {master_key: short}\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> new PasswordsFile(f).masterKeyHex("abcdef0123")).hasMessageContaining("damaged");
    }
}
