package org.obnam.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.ServerProcess;

/**
 * The whole system over the network: the real bin/obnam-server with a generated self-signed
 * certificate (trusted through ca_cert), and real bin/obnam processes, each with its own HOME.
 */
@Timeout(900)
class ServerSystemIT {
    @TempDir
    static Path dir;

    static ServerProcess server;

    @BeforeAll
    static void startServer() {
        server = ServerProcess.start(dir.resolve("server"));
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private static ObnamClient newClient(String name, Path... roots) {
        return ObnamClient.of(server, server.addClient(name), dir.resolve(name + "-home"), roots);
    }

    @Test
    void smokeInitBackupListRestore() {
        Path live = Trees.make(dir.resolve("smoke-live"), 1, 30, 40_000);
        Trees.write(live.resolve("big"), Trees.random(2, 1_500_000));
        ObnamClient c = newClient("smoke", live);

        ObnamClient.Run init = c.init("smoke pass");
        assertThat(init.exit()).as(init.toString()).isZero();
        assertThat(init.stdout()).contains("initialised a new repository " + server.url());
        ObnamClient.Run backup = c.run("backup");
        assertThat(backup.exit()).as(backup.toString()).isZero();
        String gen = backup.field("generation-id");

        ObnamClient.Run list = c.run("list");
        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(list.stdout().lines().toList()).hasSize(1).first().asString().startsWith(gen + " ");

        Path target = dir.resolve("smoke-restored");
        ObnamClient.Run restore = c.run("restore", "latest", target.toString());
        assertThat(restore.exit()).as(restore.toString()).isZero();
        Trees.assertSame(live, Trees.restored(target, live));
    }

    @Test
    void incrementalBackupRecordsWhyEachFileWasBackedUp() throws IOException {
        Path live = Trees.make(dir.resolve("incr-live"), 3, 6, 10_000);
        Trees.write(live.resolve("same"), Trees.random(4, 5000));
        Trees.write(live.resolve("edited"), Trees.random(5, 5000));
        ObnamClient c = newClient("incremental", live);
        assertThat(c.init("p").exit()).isZero();
        ObnamClient.Run first = c.run("backup");
        assertThat(first.exit()).as(first.toString()).isZero();

        Trees.write(live.resolve("edited"), Trees.random(6, 7000));
        Trees.write(live.resolve("added"), Trees.random(7, 100));
        ObnamClient.Run second = c.run("backup");
        assertThat(second.exit()).as(second.toString()).isZero();
        assertThat(second.field("files-read")).startsWith("2,");

        ObnamClient.Run files = c.run("list-files");
        assertThat(files.exit()).as(files.toString()).isZero();
        assertThat(files.stdout())
                .contains("- " + live.resolve("same") + " (unchanged)")
                .contains("- " + live.resolve("edited") + " (changed)")
                .contains("- " + live.resolve("added") + " (new)");
        ObnamClient.Run firstFiles = c.run("list-files", first.field("generation-id"));
        assertThat(firstFiles.stdout()).contains("- " + live.resolve("same") + " (new)").doesNotContain("added");
    }

    /** Every object file of a namespace on the server's disk, by id. */
    private static Set<Path> objectFiles() throws IOException {
        try (Stream<Path> s = Files.walk(server.chunks().resolve("namespaces"))) {
            return new HashSet<>(s.filter(p -> p.getParent().getParent().getFileName().toString().equals("objects"))
                    .filter(Files::isRegularFile).toList());
        }
    }

    @Test
    void aCorruptedChunkOnTheServerIsNamedByCheckAndRestoreRecoversTheOtherFiles() throws IOException {
        Path live = Trees.make(dir.resolve("corrupt-live"), 8, 40, 20_000);
        ObnamClient c = newClient("corrupt", live);
        assertThat(c.init("p").exit()).isZero();
        assertThat(c.run("backup").exit()).isZero();
        Set<Path> before = objectFiles();
        // The big file arrives in the second backup: its data lands in objects of its own, apart
        // from the small files, which are unchanged and reused.
        Path big = live.resolve("big");
        Trees.write(big, Trees.random(9, 3_000_000));
        ObnamClient.Run second = c.run("backup");
        assertThat(second.exit()).as(second.toString()).isZero();
        Set<Path> added = objectFiles();
        added.removeAll(before);
        Path victim = added.stream().max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length())).orElseThrow();
        assertThat(victim.toFile().length()).as("an object holding the big file's data").isGreaterThan(500_000);
        byte[] bytes = Files.readAllBytes(victim);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(victim, bytes);
        String id = victim.getFileName().toString();

        ObnamClient.Run check = c.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isEqualTo(1);
        assertThat(check.stdout()).as(check.toString()).contains("damaged: object " + id).contains(big.toString());
        for (String line : check.stdout().lines().filter(l -> l.contains(": file ")).toList()) {
            assertThat(line).as("only the big file is affected").contains(big.toString());
        }

        Path target = dir.resolve("corrupt-restored");
        ObnamClient.Run restore = c.run("restore", "latest", target.toString());
        assertThat(restore.exit()).as(restore.toString()).isEqualTo(1);
        assertThat(restore.stderr()).contains(big + ": not restored").contains("1 entry could not be restored");
        Path restored = Trees.restored(target, live);
        assertThat(restored.resolve("big")).doesNotExist();
        Files.delete(big);
        Trees.assertSame(live, restored);
    }

    @Test
    void theClientRefusesTheSelfSignedCertificateWithoutCaCert() {
        Path live = Trees.make(dir.resolve("untrusted-live"), 10, 1, 10);
        String token = server.addClient("untrusted");
        ObnamClient c = new ObnamClient(dir.resolve("untrusted-home"), ObnamClient.serverConfig(server, token, live));
        ObnamClient.Run init = c.init("p");
        assertThat(init.exit()).as(init.toString()).isEqualTo(1);
        assertThat(init.stderr()).contains("self signed certificate").contains("ca_cert");
        assertThat(init.stderr().lines().count()).as("one line: %s", init.stderr()).isEqualTo(1);
    }

    @Test
    void eightClientsBackUpAtOnceAndEachRestoresItsOwnTree() {
        int n = 8;
        List<Path> lives = new ArrayList<>();
        List<ObnamClient> clients = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tokens.add(server.addClient("many-" + i));
        }
        assertThat(new HashSet<>(tokens)).hasSize(n);
        for (int i = 0; i < n; i++) {
            Path live = Trees.make(dir.resolve("many-live-" + i), 100 + i, 12, 60_000);
            Trees.write(live.resolve("own-" + i), Trees.random(200 + i, 400_000));
            lives.add(live);
            clients.add(ObnamClient.of(server, tokens.get(i), dir.resolve("many-home-" + i), live));
        }
        for (ObnamClient.Run r : all(clients, c -> c.start("init", "--insecure-passphrase=many"))) {
            assertThat(r.exit()).as(r.toString()).isZero();
        }
        for (ObnamClient.Run r : all(clients, c -> c.start("backup"))) {
            assertThat(r.exit()).as(r.toString()).isZero();
        }
        List<ObnamClient.Run> restores = new ArrayList<>();
        List<ObnamClient.Started> started = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            started.add(clients.get(i).start("restore", "latest", dir.resolve("many-restored-" + i).toString()));
        }
        started.forEach(s -> restores.add(s.await()));
        for (int i = 0; i < n; i++) {
            assertThat(restores.get(i).exit()).as(restores.get(i).toString()).isZero();
            Path restored = Trees.restored(dir.resolve("many-restored-" + i), lives.get(i));
            Trees.assertSame(lives.get(i), restored);
            assertThat(restored.resolve("own-" + i)).exists();
        }
    }

    private static List<ObnamClient.Run> all(List<ObnamClient> clients,
            java.util.function.Function<ObnamClient, ObnamClient.Started> what) {
        List<ObnamClient.Started> started = clients.stream().map(what).toList();
        return started.stream().map(ObnamClient.Started::await).toList();
    }

    @Test
    void twoMachinesSharingARepositoryRestoreEachOthersBackups() {
        String token = server.addClient("shared");
        Path liveA = Trees.make(dir.resolve("shared-live-a"), 20, 10, 30_000);
        Path liveB = Trees.make(dir.resolve("shared-live-b"), 21, 10, 30_000);
        ObnamClient a = ObnamClient.of(server, token, dir.resolve("shared-home-a"), liveA);
        ObnamClient b = ObnamClient.of(server, token, dir.resolve("shared-home-b"), liveB);

        assertThat(a.init("one passphrase").stdout()).contains("initialised a new repository");
        ObnamClient.Run backupA = a.run("backup");
        assertThat(backupA.exit()).as(backupA.toString()).isZero();

        ObnamClient.Run wrong = b.init("another passphrase");
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.stderr()).contains("passphrase does not unlock");
        ObnamClient.Run initB = b.init("one passphrase");
        assertThat(initB.exit()).as(initB.toString()).isZero();
        assertThat(initB.stdout()).contains("unlocked the existing repository");

        Path targetB = dir.resolve("shared-restored-b");
        ObnamClient.Run restoreB = b.run("restore", backupA.field("generation-id"), targetB.toString());
        assertThat(restoreB.exit()).as(restoreB.toString()).isZero();
        Trees.assertSame(liveA, Trees.restored(targetB, liveA));

        ObnamClient.Run backupB = b.run("backup");
        assertThat(backupB.exit()).as(backupB.toString()).isZero();
        ObnamClient.Run listA = a.run("list");
        assertThat(listA.stdout()).contains(backupA.field("generation-id")).contains(backupB.field("generation-id"));
        Path targetA = dir.resolve("shared-restored-a");
        assertThat(a.run("restore", "latest", targetA.toString()).exit()).isZero();
        Trees.assertSame(liveB, Trees.restored(targetA, liveB));
    }
}
