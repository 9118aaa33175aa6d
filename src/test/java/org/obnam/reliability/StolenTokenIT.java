package org.obnam.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.obnam.testing.Https.utf8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.Https;
import org.obnam.testing.ServerProcess;

/**
 * A client's token is stolen. Without the delete right the thief cannot delete chunks; overwriting
 * the client's records (its generation list, its key record) is noticed by the client, and every
 * earlier version stays on the server, where the operator's documented step makes it current again.
 */
@Timeout(600)
class StolenTokenIT {
    @TempDir
    Path dir;

    private ServerProcess server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private List<Path> objectFiles() throws IOException {
        try (Stream<Path> s = Files.walk(server.chunks().resolve("namespaces"))) {
            return s.filter(p -> p.getParent().getParent().getFileName().toString().equals("objects"))
                    .filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static void assertCleanOneLineError(ObnamClient.Run r, String expected) {
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr()).as(r.toString()).contains(expected).doesNotContain("internal error")
                .doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.stderr().lines().count()).as(r.toString()).isEqualTo(1);
    }

    private ServerProcess.Run operator(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "record";
        all[1] = args[0];
        all[2] = "--config";
        all[3] = server.config().toString();
        System.arraycopy(args, 1, all, 4, args.length - 1);
        ServerProcess.Run r = ServerProcess.run(all);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }

    @Test
    void aStolenTokenCannotDestroyBackupsAndTheOperatorRestoresOverwrittenRecords() throws IOException {
        server = ServerProcess.start(dir.resolve("server"));
        String token = server.addClient("victim"); // read,append: what a backup machine holds
        Path live = Trees.make(dir.resolve("live"), 1, 20, 30_000);
        ObnamClient owner = ObnamClient.of(server, token, dir.resolve("home"), live);
        assertThat(owner.init("secret").exit()).isZero();
        ObnamClient.Run first = owner.run("backup");
        assertThat(first.exit()).as(first.toString()).isZero();
        Trees.write(live.resolve("later"), Trees.random(2, 50_000));
        ObnamClient.Run second = owner.run("backup");
        assertThat(second.exit()).as(second.toString()).isZero();

        Https thief = server.https();
        List<Path> objects = objectFiles();
        assertThat(objects).hasSizeGreaterThan(2);

        // No delete right: every DELETE is refused and every chunk stays.
        String appendOnly = ServerProcess.run("client", "token", "--config", server.config().toString(), "victim",
                "--rights", "append").lastLine();
        for (String t : List.of(token, appendOnly)) {
            for (Path o : objects) {
                Https.Reply r = thief.delete("/v1/chunks/" + o.getFileName(), t);
                assertThat(r.status()).as(r.toString()).isEqualTo(403);
                assertThat(r.json().path("error").asText()).contains("delete right");
            }
        }
        assertThat(objectFiles()).isEqualTo(objects);

        // The thief overwrites the generation list with garbage.
        Https.Reply before = thief.get("/v1/records/generations", token);
        assertThat(before.status()).isEqualTo(200);
        long v = Long.parseLong(before.header("Record-Version"));
        Https.Reply overwrite = thief.send("PUT", "/v1/records/generations", appendOnly, utf8("all gone"),
                "If-Match", Long.toString(v));
        assertThat(overwrite.status()).as(overwrite.toString()).isEqualTo(200);
        assertThat(overwrite.json().path("version").asLong()).isEqualTo(v + 1);

        assertCleanOneLineError(owner.run("list"), "the generation list cannot be trusted");
        ObnamClient.Run refusedBackup = owner.run("backup");
        assertCleanOneLineError(refusedBackup, "the generation list cannot be trusted");
        assertThat(thief.get("/v1/records/generations", token).header("Record-Version"))
                .as("a backup never writes over a list it cannot read").isEqualTo(Long.toString(v + 1));

        // Every earlier version is still on the server, readable with the read right.
        Https.Reply old = thief.get("/v1/records/generations?version=" + v, token);
        assertThat(old.status()).as(old.toString()).isEqualTo(200);
        assertThat(old.body()).isEqualTo(before.body());
        assertThat(old.header("Record-Version")).isEqualTo(Long.toString(v));
        assertThat(thief.get("/v1/records/generations?version=" + (v + 1), token).text()).isEqualTo("all gone");
        Https.Reply missing = thief.get("/v1/records/generations?version=" + (v + 2), token);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().path("error").asText()).isNotEmpty();
        assertThat(thief.get("/v1/records/generations?version=x", token).status()).isEqualTo(400);
        assertThat(thief.get("/v1/records/generations?version=" + v, appendOnly).status())
                .as("reading history needs the read right").isEqualTo(403);

        // The operator's documented step: list the versions, restore the last good one.
        ServerProcess.Run versions = operator("list", "victim", "generations");
        List<String> lines = versions.stdout().lines().toList();
        assertThat(lines).hasSize((int) v + 1);
        assertThat(lines.getLast()).startsWith((v + 1) + "\t8\t").endsWith("\tcurrent");
        assertThat(lines.get((int) v - 1)).startsWith(v + "\t" + before.body().length + "\t");
        assertThat(operator("restore", "victim", "generations", Long.toString(v)).stdout())
                .contains("as its new current version " + (v + 2));

        ObnamClient.Run list = owner.run("list");
        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(list.stdout()).contains(first.field("generation-id")).contains(second.field("generation-id"));
        Path target = dir.resolve("restored");
        ObnamClient.Run restore = owner.run("restore", "latest", target.toString());
        assertThat(restore.exit()).as(restore.toString()).isZero();
        Trees.assertSame(live, Trees.restored(target, live));

        // Replaying an older, genuine list (a rollback) is refused too, and repaired the same way.
        Https.Reply v1 = thief.get("/v1/records/generations?version=1", token);
        assertThat(thief.send("PUT", "/v1/records/generations", token, v1.body(), "If-Match", Long.toString(v + 2))
                .status()).isEqualTo(200);
        assertCleanOneLineError(owner.run("list"), "rolled back");
        operator("restore", "victim", "generations", Long.toString(v + 2));
        assertThat(owner.run("list").exit()).isZero();

        // The key record: overwritten, the client says so; restored, everything works again.
        Https.Reply key = thief.send("PUT", "/v1/records/key", appendOnly, utf8("{}"), "If-Match", "1");
        assertThat(key.status()).as(key.toString()).isEqualTo(200);
        assertCleanOneLineError(owner.run("list"), "key record");
        operator("restore", "victim", "key", "1");
        ObnamClient.Run third = owner.run("backup");
        assertThat(third.exit()).as(third.toString()).isZero();
        ObnamClient.Run check = owner.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
        assertThat(objectFiles()).containsAll(objects);
    }
}
