package org.obnam.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.obnam.testing.ExternalCommand.Result;
import org.obnam.testing.Manifest;
import org.obnam.testing.Obnam;
import org.obnam.testing.Tree;

/**
 * Rust Obnam's "Acceptance criteria for backup encryption" (DESIGN sections 5 and 7): keys come
 * from {@code obnam init}, are cached owner-only without the passphrase, unlock the same
 * repository from another machine, and nothing in the repository is readable in the clear.
 */
class ObnamEncryptionIT {
    private static final String PASSPHRASE = "hunter2-correct-horse";

    @TempDir
    Path dir;

    private Obnam obnam;
    private Tree live;

    @BeforeEach
    void setUp() {
        obnam = Obnam.in(dir);
        live = Tree.at(dir.resolve("live"));
        obnam.configure("roots: [live]");
        live.randomFile("data.dat", 5000);
    }

    @Test
    void backupWithoutPassphraseFailsAndSaysToRunObnamInit() {
        Result r = obnam.runBackup();

        r.expectExit(1);
        assertThat(r.stderr()).as(r.describe()).contains("obnam init");
    }

    @Test
    void backupOnAMachineWithoutTheKeysFailsAndSaysToRunObnamInit() {
        obnam.initialised();
        obnam.backup();
        Obnam other = obnam.withHome(dir.resolve("other-home"));
        other.configure("roots: [live]");

        Result r = other.runBackup();

        r.expectExit(1);
        assertThat(r.stderr()).as(r.describe()).contains("obnam init");
    }

    @Test
    void passphraseIsSetAndKeysAreStoredOwnerOnlyWithoutThePassphrase() throws Exception {
        obnam.init(PASSPHRASE);

        Path passwords = obnam.home().resolve(".config/obnam/passwords.yaml");
        assertThat(passwords).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwords))).isEqualTo("rw-------");
        assertThat(Files.readString(passwords)).doesNotContain(PASSPHRASE);
        obnam.backup();
    }

    @ParameterizedTest(name = "mode {0}")
    @ValueSource(strings = {"rw-r-----", "rw----r--"})
    void passphraseFileStoredInsecurelyIsRejected(String mode) throws Exception {
        obnam.initialised();
        Path passwords = obnam.passwordsFile();
        Files.setPosixFilePermissions(passwords, PosixFilePermissions.fromString(mode));

        Result r = obnam.runBackup();

        r.expectExit(1);
        assertThat(r.stderr()).as(r.describe()).contains(passwords.toString());
        assertThat(r.stderr().lines().filter(l -> !l.isBlank()).count()).as(r.describe()).isEqualTo(1);
    }

    @Test
    void secondMachineWithTheSamePassphraseCanListAndRestoreEverything() {
        live.file("sub/notes.txt", "remember the milk");
        live.symlink("link", "sub/notes.txt");
        obnam.init(PASSPHRASE);
        Manifest before = Manifest.of(live.root());
        String gen1 = obnam.backup().generationId();
        String gen2 = obnam.backup().generationId();

        Obnam laptop = obnam.withHome(dir.resolve("new-laptop-home")).withEnv("OBNAM_PASSPHRASE", PASSPHRASE);
        laptop.configure("roots: [live]");
        laptop.ok("init");
        laptop = laptop.withEnv("OBNAM_PASSPHRASE", null);

        assertThat(laptop.ok("list").stdout()).contains(gen1, gen2);
        laptop.ok("restore", gen1, "rest");
        assertThat(Manifest.of(dir.resolve("rest/live"))).isEqualTo(before);
        assertThat(laptop.passwordsFile()).exists();
    }

    @Test
    void initWithTheWrongPassphraseOnAnExistingRepositoryFails() {
        obnam.init(PASSPHRASE);
        String gen = obnam.backup().generationId();
        Obnam intruder = obnam.withHome(dir.resolve("intruder-home"));
        intruder.configure("roots: [live]");

        Result r = intruder.run("init", "--insecure-passphrase=not-the-passphrase");

        r.expectExit(1);
        Result list = intruder.run("list");
        list.expectFailure();
        assertThat(list.stdout()).doesNotContain(gen);
        assertThat(obnam.ok("list").stdout()).as("the owner still has the repository").contains(gen);
    }

    @Test
    void passphraseCanBeChangedAndOnlyTheNewOneUnlocksTheRepository() throws Exception {
        String newPassphrase = "new-" + PASSPHRASE;
        obnam.init(PASSPHRASE);
        Manifest before = Manifest.of(live.root());
        String gen = obnam.backup().generationId();

        Result wrong = obnam.run("passwd", "--insecure-passphrase=wrong", "--insecure-new-passphrase=" + newPassphrase);
        wrong.expectExit(1);
        obnam.ok("passwd", "--insecure-passphrase=" + PASSPHRASE, "--insecure-new-passphrase=" + newPassphrase);

        Obnam laptop = obnam.withHome(dir.resolve("laptop-home"));
        laptop.configure("roots: [live]");
        laptop.run("init", "--insecure-passphrase=" + PASSPHRASE).expectExit(1);
        laptop.init(newPassphrase);
        laptop.ok("restore", gen, "rest");
        assertThat(Manifest.of(dir.resolve("rest/live"))).as("generations made before the change still restore")
                .isEqualTo(before);
        assertThat(obnam.ok("list").stdout()).as("the machine that changed it keeps working").contains(gen);
        for (Path f : filesUnder(obnam.repository())) {
            assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).as("repository file %s", f)
                    .doesNotContain(newPassphrase).doesNotContain(PASSPHRASE);
        }
    }

    @Test
    void neitherThePassphraseNorTheBackedUpDataAreInTheRepositoryInCleartext() throws Exception {
        obnam.configure("""
                roots: [live]
                compression: none
                """);
        String marker = "plaintext-marker-" + UUID.randomUUID();
        String secretName = "secret-name-" + UUID.randomUUID() + ".txt";
        live.file("diary.txt", (marker + "\n").repeat(200));
        live.file(secretName, marker);
        obnam.init(PASSPHRASE);
        obnam.backup();
        live.file("diary.txt", (marker + " again\n").repeat(300));
        obnam.backup();

        List<Path> files = filesUnder(obnam.repository());
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            assertThat(content).as("repository file %s", f)
                    .doesNotContain(PASSPHRASE)
                    .doesNotContain(marker)
                    .doesNotContain(secretName)
                    .doesNotContain("diary.txt");
        }
    }

    private static List<Path> filesUnder(Path top) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> all = Files.walk(top)) {
            all.filter(Files::isRegularFile).forEach(out::add);
        }
        return out;
    }
}
