package org.obnam.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.store.HttpStore;
import org.obnam.store.ObjectInfo;
import org.obnam.store.StoredObject;
import org.obnam.testing.ServerProcess;

/**
 * A full disk, on the server and on the client, using small tmpfs mounts (so the test needs root
 * and permission to mount; it is skipped with a message otherwise).
 */
@Timeout(900)
class DiskFullIT {
    @TempDir
    Path dir;

    private final List<Path> mounts = new ArrayList<>();
    private ServerProcess server;

    @AfterEach
    void cleanUp() throws Exception {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            for (Path m : mounts.reversed()) {
                if (sh("umount", m.toString()) != 0) {
                    sh("umount", "-l", m.toString());
                }
            }
        }
    }

    private static int sh(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    /** Mounts a tmpfs of {@code megabytes} on {@code at}, or skips the test when that is not possible. */
    private void tmpfs(Path at, int megabytes) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "disk-full tests need root to mount a small tmpfs; skipped as " + System.getProperty("user.name"));
        Files.createDirectories(at);
        int rc = sh("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m,mode=0700", "tmpfs", at.toString());
        assumeTrue(rc == 0, "disk-full tests need to mount a tmpfs, which is not permitted here (mount exit " + rc + ")");
        mounts.add(at);
    }

    private List<Path> files(Path root, String parentName) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getParent() != null && p.getParent().getFileName().toString().equals(parentName))
                    .filter(Files::isRegularFile).toList();
        }
    }

    /** Every object the server lists reads back whole (the server checks its checksum on each GET). */
    private int verifyEveryObject(String token) throws Exception {
        try (HttpStore s = new HttpStore(server.url(), token, true, server.trustedCert())) {
            List<ObjectInfo> listed = new ArrayList<>();
            s.list(listed::add);
            for (ObjectInfo info : listed) {
                StoredObject o = s.get(info.id());
                assertThat((long) o.body().length).isEqualTo(info.size());
            }
            return listed.size();
        }
    }

    @Test
    void aServerOutOfSpaceRefusesUploadsWith507AndRecoversOnceSpaceIsFreed() throws Exception {
        Path serverDir = dir.resolve("server");
        tmpfs(serverDir.resolve("chunks"), 32);
        server = ServerProcess.start(serverDir);
        String token = server.addClient("full");
        Path live = Trees.make(dir.resolve("live"), 1, 20, 50_000);
        ObnamClient c = ObnamClient.of(server, token, dir.resolve("home"), live);
        assertThat(c.init("p").exit()).isZero();
        ObnamClient.Run first = c.run("backup");
        assertThat(first.exit()).as(first.toString()).isZero();

        java.util.Map<String, byte[]> firstTree = Trees.snapshot(live);
        Path filler = server.chunks().resolve("filler");
        Files.write(filler, new byte[20 << 20]);
        for (int i = 0; i < 8; i++) {
            Trees.write(live.resolve("big").resolve("b" + i), Trees.random(100 + i, 2_000_000));
        }
        long start = System.nanoTime();
        ObnamClient.Run full = c.run("backup");
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertThat(full.exit()).as(full.toString()).isEqualTo(1);
        assertThat(full.stderr().lines().count()).as("one line: %s", full).isEqualTo(1);
        assertThat(full.stderr()).as(full.toString()).contains("run out of storage space")
                .contains(server.url()).doesNotContain("Exception").doesNotContain("internal error");
        assertThat(seconds).as("no minutes of retrying: the server said why").isLessThan(120);
        assertThat(server.stderr()).contains("no space left on the device");

        assertThat(files(server.chunks(), "tmp")).as("nothing half-written in tmp/").isEmpty();
        int objects = verifyEveryObject(token);
        ObnamClient.Run list = c.run("list");
        assertThat(list.stdout().lines().toList()).as("no generation was committed").hasSize(1);
        Path earlier = dir.resolve("restored-earlier");
        ObnamClient.Run restoreEarlier = c.run("restore", first.field("generation-id"), earlier.toString());
        assertThat(restoreEarlier.exit()).as(restoreEarlier.toString()).isZero();
        java.util.Map<String, byte[]> restoredFirst = Trees.snapshot(Trees.restored(earlier, live));
        assertThat(restoredFirst.keySet()).containsExactlyElementsOf(firstTree.keySet());
        for (String k : firstTree.keySet()) {
            assertThat(restoredFirst.get(k)).as("earlier generation's %s", k).isEqualTo(firstTree.get(k));
        }

        Files.delete(filler);
        ObnamClient.Run after = c.run("backup");
        assertThat(after.exit()).as("%s%nserver log:%n%s", after, server.stderr()).isZero();
        Path target = dir.resolve("restored");
        ObnamClient.Run restore = c.run("restore", "latest", target.toString());
        assertThat(restore.exit()).as(restore.toString()).isZero();
        Trees.assertSame(live, Trees.restored(target, live));
        ObnamClient.Run check = c.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
        System.err.printf("server disk full: backup failed cleanly after %d s with %d objects stored, all whole%n",
                seconds, objects);
    }

    @Test
    void aClientOutOfSpaceDuringRestoreSaysSoAndLeavesTheRepositoryAlone() throws Exception {
        server = ServerProcess.start(dir.resolve("server"));
        String token = server.addClient("restorer");
        Path live = Trees.make(dir.resolve("live"), 2, 10, 20_000);
        for (int i = 0; i < 5; i++) {
            Trees.write(live.resolve("big").resolve("b" + i), Trees.random(200 + i, 1_500_000));
        }
        ObnamClient c = ObnamClient.of(server, token, dir.resolve("home"), live);
        assertThat(c.init("p").exit()).isZero();
        assertThat(c.run("backup").exit()).isZero();
        List<Path> objectsBefore = objectFiles();

        Path small = dir.resolve("small-disk");
        tmpfs(small, 3);
        ObnamClient.Run restore = c.run("restore", "latest", small.toString());
        assertThat(restore.exit()).as(restore.toString()).isEqualTo(1);
        assertThat(restore.stderr().toLowerCase(Locale.ROOT)).as(restore.toString()).contains("no space left on device")
                .doesNotContain("exception").doesNotContain("internal error");
        assertThat(restore.stderr()).contains("could not be restored");

        assertThat(objectFiles()).isEqualTo(objectsBefore);
        ObnamClient.Run check = c.run("check", "--read-data");
        assertThat(check.exit()).as(check.toString()).isZero();
        Path roomy = dir.resolve("restored");
        ObnamClient.Run again = c.run("restore", "latest", roomy.toString());
        assertThat(again.exit()).as(again.toString()).isZero();
        Trees.assertSame(live, Trees.restored(roomy, live));
    }

    private List<Path> objectFiles() throws IOException {
        try (Stream<Path> s = Files.walk(server.chunks().resolve("namespaces"))) {
            return s.filter(p -> p.getParent().getParent().getFileName().toString().equals("objects"))
                    .filter(Files::isRegularFile).sorted().toList();
        }
    }
}
