package org.obnam.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.store.HttpStore;
import org.obnam.store.ObjectId;
import org.obnam.store.ObjectInfo;
import org.obnam.store.ObjectMeta;
import org.obnam.store.StoreException;
import org.obnam.store.StoredObject;
import org.obnam.testing.ServerProcess;

/**
 * SIGKILL of the real server while clients upload. After a restart on the same chunks directory
 * every object the server lists is whole (no torn or partial object is ever visible), every
 * acknowledged upload is there, leftovers in tmp/ do no harm, and clients carry on.
 */
@Timeout(900)
class ServerCrashIT {
    @TempDir
    Path dir;

    private ServerProcess server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Bodies are a function of their label, so any object found later can be checked. */
    private static byte[] body(String label) {
        String[] parts = label.split("-");
        int size = Integer.parseInt(parts[parts.length - 1].substring(1));
        byte[] b = new byte[size];
        new Random(label.hashCode()).nextBytes(b);
        return b;
    }

    private HttpStore store(String token) throws StoreException {
        return new HttpStore(server.url(), token, true, server.trustedCert());
    }

    private void killServer() throws InterruptedException {
        Process p = server.process();
        p.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, nothing
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(137);
    }

    private List<Path> tmpFiles() throws IOException {
        try (Stream<Path> s = Files.walk(server.chunks().resolve("namespaces"))) {
            return s.filter(p -> p.getParent().getFileName().toString().equals("tmp")).filter(Files::isRegularFile)
                    .toList();
        }
    }

    @Test
    void killingTheServerDuringFourConcurrentUploadsNeverExposesAPartialObject() throws Exception {
        server = ServerProcess.start(dir.resolve("server"));
        String token = server.addClient("uploader");
        Map<ObjectId, String> acknowledged = new ConcurrentHashMap<>();
        int[] killAfter = {3, 10, 25};
        int leftovers = 0;
        int unacknowledgedButStored = 0;
        for (int round = 0; round < killAfter.length; round++) {
            AtomicInteger acks = new AtomicInteger();
            AtomicInteger failures = new AtomicInteger();
            List<Thread> uploaders = new ArrayList<>();
            List<HttpStore> stores = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                HttpStore s = store(token);
                stores.add(s);
                int thread = t;
                int r = round;
                uploaders.add(Thread.ofPlatform().name("uploader-" + t).start(() -> {
                    Random rnd = new Random(r * 10 + thread);
                    for (int seq = 0; seq < 10_000 && failures.get() == 0; seq++) {
                        String label = "r" + r + "-t" + thread + "-s" + seq + "-n" + (1 + rnd.nextInt(2 << 20));
                        try {
                            ObjectId id = s.put(ObjectMeta.single(label), body(label));
                            acknowledged.put(id, label);
                            acks.incrementAndGet();
                        } catch (StoreException e) {
                            failures.incrementAndGet(); // the server is gone: stop this uploader
                        }
                    }
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (acks.get() < killAfter[round] && System.nanoTime() < deadline && failures.get() == 0) {
                Thread.sleep(5);
            }
            assertThat(failures.get()).as("no failure before the kill").isZero();
            assertThat(acks.get()).as("uploads acknowledged before the kill").isGreaterThanOrEqualTo(killAfter[round]);
            killServer();
            for (Thread t : uploaders) {
                t.join(TimeUnit.SECONDS.toMillis(120));
                assertThat(t.isAlive()).as("uploader stops once the server is gone").isFalse();
            }
            for (HttpStore s : stores) {
                s.close();
            }
            leftovers += tmpFiles().size();

            server.start();
            try (HttpStore s = store(token)) {
                List<ObjectInfo> listed = new ArrayList<>();
                s.list(listed::add); // a damaged object would make this throw Corrupt
                for (ObjectInfo info : listed) {
                    String label = info.meta().labels().getFirst();
                    StoredObject o = s.get(info.id());
                    assertThat(o.body()).as("object %s (%s) is whole", info.id(), label).isEqualTo(body(label));
                    assertThat(info.size()).isEqualTo(o.body().length);
                    if (!acknowledged.containsKey(info.id())) {
                        unacknowledgedButStored++;
                    }
                }
                assertThat(listed.stream().map(ObjectInfo::id).toList()).containsAll(acknowledged.keySet());
                for (Map.Entry<ObjectId, String> e : acknowledged.entrySet()) {
                    assertThat(s.findLabel(e.getValue())).containsKey(e.getKey());
                }
            }
        }
        System.err.printf("server crash: %d kills during 4 concurrent uploads, %d acknowledged uploads all intact,"
                + " %d stored but unacknowledged (whole), %d temp files left behind%n", killAfter.length,
                acknowledged.size(), unacknowledgedButStored, leftovers);

        // Temp files a killed server left behind are removed once they are old; fresh ones are kept
        // (another process may be writing them). Neither is ever listed as an object.
        Path tmp;
        try (Stream<Path> s = Files.list(server.chunks().resolve("namespaces"))) {
            tmp = s.findFirst().orElseThrow().resolve("tmp");
        }
        Path stale = tmp.resolve("0123456789abcdef.tmp");
        Path fresh = tmp.resolve("fedcba9876543210.tmp");
        Files.write(stale, new byte[1000]);
        Files.write(fresh, new byte[1000]);
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(2, ChronoUnit.HOURS)));
        killServer();
        server.start();
        try (HttpStore s = store(token)) {
            ObjectId id = s.put(ObjectMeta.single("after-n10"), body("after-n10"));
            assertThat(s.get(id).body()).isEqualTo(body("after-n10"));
        }
        assertThat(stale).doesNotExist();
        assertThat(fresh).exists();
    }

    @Test
    void backupsRunningWhileTheServerIsKilledAndRestartedCompleteOrFailCleanlyAndNeverCommitABrokenGeneration()
            throws Exception {
        server = ServerProcess.start(dir.resolve("server"));
        List<ObnamClient> clients = new ArrayList<>();
        List<Path> lives = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path live = dir.resolve("live-" + i);
            for (int f = 0; f < 8; f++) {
                Trees.write(live.resolve("f" + f), Trees.random(i * 100 + f, 2_000_000));
            }
            Trees.make(live.resolve("small"), i, 50, 5000);
            lives.add(live);
            ObnamClient c = ObnamClient.of(server, server.addClient("c" + i), dir.resolve("home-" + i), live);
            assertThat(c.init("p").exit()).isZero();
            clients.add(c);
        }
        long objectsBefore = countObjects();
        List<ObnamClient.Started> backups = clients.stream().map(c -> c.start("backup")).toList();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (countObjects() < objectsBefore + 2 && System.nanoTime() < deadline
                && backups.stream().allMatch(b -> b.process().isAlive())) {
            Thread.sleep(20);
        }
        boolean midBackup = backups.stream().anyMatch(b -> b.process().isAlive());
        killServer();
        server.start(); // as quickly as it can: the clients retry meanwhile

        int completed = 0;
        for (int i = 0; i < 2; i++) {
            ObnamClient.Run r = backups.get(i).await();
            if (r.exit() == 0) {
                completed++;
            } else {
                assertThat(r.exit()).as(r.toString()).isEqualTo(1);
                assertThat(r.stderr().lines().count()).as("one line: %s", r).isEqualTo(1);
                assertThat(r.stderr()).startsWith("obnam: ").doesNotContain("internal error").doesNotContain("Exception");
            }
        }
        System.err.printf("server restart during backups: killed mid-backup: %s; %d of 2 backups completed%n",
                midBackup, completed);
        for (int i = 0; i < 2; i++) {
            ObnamClient c = clients.get(i);
            ObnamClient.Run check = c.run("check");
            assertThat(check.exit()).as("no broken generation: %s", check).isZero();
            ObnamClient.Run again = c.run("backup");
            assertThat(again.exit()).as(again.toString()).isZero();
            Path target = dir.resolve("restored-" + i);
            ObnamClient.Run restore = c.run("restore", "latest", target.toString());
            assertThat(restore.exit()).as(restore.toString()).isZero();
            Trees.assertSame(lives.get(i), Trees.restored(target, lives.get(i)));
        }
    }

    private long countObjects() throws IOException {
        try (Stream<Path> s = Files.walk(server.chunks().resolve("namespaces"))) {
            return s.filter(p -> p.getParent().getParent().getFileName().toString().equals("objects"))
                    .filter(Files::isRegularFile).count();
        } catch (java.io.UncheckedIOException e) {
            return 0;
        }
    }
}
