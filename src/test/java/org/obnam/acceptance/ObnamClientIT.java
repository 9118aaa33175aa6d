package org.obnam.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.obnam.testing.ExternalCommand.Result;
import org.obnam.testing.Obnam;
import org.obnam.testing.Tree;

/**
 * Rust Obnam's "Acceptance criteria for the Obnam client" (the client on its own, no backup
 * needed), adapted to DESIGN sections 4 and 5, plus how configuration mistakes are reported.
 */
class ObnamClientIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Obnam obnam;

    @BeforeEach
    void setUp() {
        obnam = Obnam.in(dir);
    }

    @Test
    void clientShowsItsConfigurationAsJson() throws Exception {
        Path config = obnam.configFileWith("config.yaml", """
                roots: [live]
                server_url: https://backup.example.com
                verify_tls_cert: true
                """);

        Result r = obnam.withConfig(config).ok("config");

        JsonNode json = JSON.readTree(r.stdout());
        assertThat(json.get("roots")).as(r.describe()).containsExactly(JSON.readTree("\"live\""));
        assertThat(json.get("server_url").asText()).as(r.describe()).isEqualTo("https://backup.example.com");
        assertThat(json.get("verify_tls_cert").asBoolean(false)).as(r.describe()).isTrue();
    }

    @Test
    void clientExpandsTildesInItsConfiguration() throws Exception {
        Path config = obnam.configFileWith("tilde.yaml", """
                roots: [~/important]
                log: ~/obnam.log
                server_url: https://backup.example.com
                verify_tls_cert: true
                """);

        Result r = obnam.withConfig(config).ok("config");

        JsonNode json = JSON.readTree(r.stdout());
        assertThat(json.get("roots").get(0).asText()).as(r.describe()).isEqualTo(obnam.home() + "/important");
        assertThat(json.get("log").asText()).as(r.describe()).isEqualTo(obnam.home() + "/obnam.log");
        assertThat(r.stdout()).doesNotContain("~");
    }

    @Test
    void clientRequiresHttps() {
        Path config = obnam.configFileWith("http.yaml", """
                roots: [live]
                server_url: http://backup.example.com
                verify_tls_cert: true
                """);

        Result r = obnam.withConfig(config).run("config");

        r.expectExit(1);
        assertThat(r.stderr()).as(r.describe()).contains("https:");
    }

    @Test
    void clientListsTheBackupSchemaVersionsItSupports() {
        Path config = obnam.configFileWith("config.yaml", """
                roots: [live]
                server_url: https://backup.example.com
                """);

        Result r = obnam.withConfig(config).ok("list-backup-versions");

        assertThat(r.stdout()).as(r.describe()).isEqualTo("0.0\n1.0\n");
    }

    @Test
    void clientListsTheDefaultBackupSchemaVersion() {
        Path config = obnam.configFileWith("config.yaml", """
                roots: [live]
                server_url: https://backup.example.com
                """);

        Result r = obnam.withConfig(config).ok("list-backup-versions", "--default-only");

        assertThat(r.stdout()).as(r.describe()).isEqualTo("0.0\n");
    }

    @Test
    void chunkIsEncryptedAndDecryptedLocally() throws Exception {
        obnam.configure("roots: [live]");
        obnam.initialised();
        byte[] clear = Tree.randomBytes(10_000);
        Files.write(dir.resolve("cleartext.dat"), clear);

        obnam.ok("encrypt-chunk", "cleartext.dat", "encrypted.dat", "{\"label\":\"fake\"}");
        obnam.ok("decrypt-chunk", "encrypted.dat", "decrypted.dat", "{\"label\":\"fake\"}");

        assertThat(Files.readAllBytes(dir.resolve("encrypted.dat"))).isNotEqualTo(clear);
        assertThat(Files.readAllBytes(dir.resolve("decrypted.dat"))).isEqualTo(clear);

        // The encryption binds the chunk to its label, and detects tampering.
        obnam.run("decrypt-chunk", "encrypted.dat", "other.dat", "{\"label\":\"other\"}").expectFailure();
        byte[] tampered = Files.readAllBytes(dir.resolve("encrypted.dat"));
        tampered[tampered.length / 2] ^= 0x01;
        Files.write(dir.resolve("tampered.dat"), tampered);
        obnam.run("decrypt-chunk", "tampered.dat", "tampered-out.dat", "{\"label\":\"fake\"}").expectFailure();
        assertThat(dir.resolve("tampered-out.dat")).doesNotExist();
    }

    @Test
    void fileIsSplitIntoChunks() throws Exception {
        obnam.configure("roots: [live]");
        Files.writeString(dir.resolve("data.dat"), "hello, world");

        Result r = obnam.ok("chunkify", "data.dat");

        assertThat(JSON.readTree(r.stdout())).as(r.describe()).isEqualTo(JSON.readTree("""
                [
                  {
                    "filename": "data.dat",
                    "offset": 0,
                    "len": 12,
                    "checksum": "09ca7e4eaa6e8ae9c7d261167129184883644d07dfba7cbfbc4c8a2e08360d5b"
                  }
                ]
                """));
    }

    @Test
    void unknownConfigurationKeyIsNamedInOneLineWithoutStackTrace() {
        obnam.configure("""
                roots: [live]
                frobnicate_widgets: true
                """);
        Tree.at(dir.resolve("live"));

        Result r = obnam.run("backup");

        r.expectExit(1);
        assertOneLineError(r);
        assertThat(r.stderr()).as(r.describe()).contains("frobnicate_widgets");
    }

    @Test
    void configurationThatIsNotYamlIsReportedInOneLineWithoutStackTrace() {
        obnam.configure("""
                roots: [live
                chunk_size: {
                """);

        Result r = obnam.run("list");

        r.expectExit(1);
        assertOneLineError(r);
        assertThat(r.stderr()).as(r.describe()).contains(obnam.configFile().getFileName().toString());
    }

    @Test
    void missingConfigurationFileIsReportedInOneLineWithoutStackTrace() {
        Path missing = dir.resolve("no-such-config.yaml");

        Result r = obnam.withConfig(missing).run("list");

        r.expectExit(1);
        assertOneLineError(r);
        assertThat(r.stderr()).as(r.describe()).contains("no-such-config.yaml");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "chunk_size: 0                 | chunk_size",
        "chunk_size: lots              | chunk_size",
        "compression: lzma-9000        | compression",
        "exclude_cache_tag_directories: maybe | exclude_cache_tag_directories",
    })
    void invalidConfigurationValueIsNamedInOneLineWithoutStackTrace(String line, String key) {
        obnam.configure("roots: [live]\n" + line + "\n");
        Tree.at(dir.resolve("live"));

        Result r = obnam.run("config");

        r.expectExit(1);
        assertOneLineError(r);
        assertThat(r.stderr()).as(r.describe()).contains(key);
    }

    @Test
    void configurationWithoutRootsOrWithAnUnsupportedSchemeIsRefused() {
        Path noRoots = obnam.configFileWith("no-roots.yaml", "server_url: " + obnam.repository() + "\nroots: []\n");
        Path ftp = obnam.configFileWith("ftp.yaml", "server_url: ftp://backup.example.com\nroots: [live]\n");

        Result r1 = obnam.withConfig(noRoots).run("config");
        Result r2 = obnam.withConfig(ftp).run("config");

        r1.expectExit(1);
        assertOneLineError(r1);
        assertThat(r1.stderr()).as(r1.describe()).contains("roots");
        r2.expectExit(1);
        assertOneLineError(r2);
        assertThat(r2.stderr()).as(r2.describe()).contains("server_url");
    }

    @Test
    void missingRepositoryTellsTheUserToRunObnamInit() {
        obnam.configure("roots: [live]");
        Tree.at(dir.resolve("live")).file("data.dat", "x");

        Result list = obnam.run("list");
        Result backup = obnam.run("backup");

        list.expectExit(1);
        assertThat(list.stderr()).as(list.describe()).contains("obnam init");
        backup.expectExit(1);
        assertThat(backup.stderr()).as(backup.describe()).contains("obnam init");
        assertThat(obnam.repository()).as("a failed backup must not create a repository").doesNotExist();
    }

    @Test
    void backupRootMustExist() {
        Tree.at(dir.resolve("live")).randomFile("data.dat", 1000);
        obnam.configure("roots: [live, does-not-exist]");
        obnam.initialised();

        Result r = obnam.run("backup");

        r.expectExit(1);
        assertThat(r.stderr()).as(r.describe()).contains("does-not-exist");
        assertThat(obnam.ok("list").stdout()).as("no generation may be made").isEmpty();
    }

    @Test
    void unsupportedBackupVersionIsAUsageError() {
        Tree.at(dir.resolve("live")).randomFile("data.dat", 100);
        obnam.configure("roots: [live]");
        obnam.initialised();

        Result r = obnam.run("backup", "--backup-version=99");

        r.expectExit(2);
        assertThat(obnam.ok("list").stdout()).as("no generation may be made").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "backup --help       | Usage: obnam backup",
        "restore --help      | Usage: obnam restore",
        "restore -h          | Usage: obnam restore",
        "check --help        | Usage: obnam check",
        "help list-files     | Usage: obnam list-files",
    })
    void everyCommandDescribesItselfWithHelp(String args, String expected) {
        Result r = obnam.run(args.split(" "));

        r.expectExit(0);
        assertThat(r.stdout()).as(r.describe()).startsWith(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "list --bogus   | obnam: Unknown option: '--bogus' (see obnam list --help)",
        "--bogus        | obnam: Unknown option: '--bogus' (see obnam --help)",
        "restore        | obnam: Missing required parameters: 'GEN', 'DIR' (see obnam restore --help)",
    })
    void aUsageErrorIsOneLineSayingWhereToReadMore(String args, String expected) {
        Result r = obnam.run(args.split(" "));

        r.expectExit(2);
        assertOneLineError(r);
        assertThat(r.stderr().strip()).as(r.describe()).isEqualTo(expected);
    }

    private static void assertOneLineError(Result r) {
        List<String> lines = r.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("stderr should be one line: " + r.describe()).hasSize(1);
        assertThat(r.stderr()).as(r.describe()).doesNotContain("Exception").doesNotContain("\tat ");
    }
}
