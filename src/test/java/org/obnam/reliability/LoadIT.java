package org.obnam.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.backup.BackupOptions;
import org.obnam.backup.BackupOutcome;
import org.obnam.backup.BackupRun;
import org.obnam.backup.Progress;
import org.obnam.check.CheckReport;
import org.obnam.check.Checker;
import org.obnam.config.PasswordsFile;
import org.obnam.crypto.KdfParams;
import org.obnam.generation.SchemaVersion;
import org.obnam.repository.GenerationList;
import org.obnam.repository.Repository;
import org.obnam.repository.TrustState;
import org.obnam.restore.RestoreOutcome;
import org.obnam.restore.RestoreRun;
import org.obnam.server.ClientRegistry;
import org.obnam.server.Right;
import org.obnam.store.HttpStore;
import org.obnam.store.RetryingStore;
import org.obnam.store.Store;
import org.obnam.testing.ServerProcess;

/**
 * Many clients backing up to one real bin/obnam-server at once on loopback. Fifty clients run the
 * client's own backup, restore and check engines in this JVM (one thread each, each with its own
 * token, HTTPS connection, keys and state), all started together; then twenty of them run real
 * {@code bin/obnam backup} processes at the same moment. Every generation must restore
 * byte-identical and check clean, with no errors at all.
 */
@Timeout(1200)
class LoadIT {
    private static final int CLIENTS = 50;
    private static final int PROCESSES = 20;

    @TempDir
    static Path dir;

    static ServerProcess server;

    @BeforeAll
    static void start() {
        server = ServerProcess.start(dir.resolve("server"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** One client machine: its tree, home (keys, state, cache) and token. */
    private record Machine(int n, Path live, Path home, String token) {
        Path scratch() {
            return home.resolve(".cache/obnam/tmp");
        }

        Store store() throws Exception {
            return new RetryingStore(new HttpStore(server.url(), token, true, server.trustedCert()));
        }

        Repository repository(Store store, Repository.Unlocked keys) {
            return new Repository(store, keys.key(), keys.repositoryId(),
                    new TrustState(home.resolve(".local/state/obnam")), 3);
        }
    }

    private static String describe(Throwable t) {
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    @Test
    void fiftyClientsBackUpAtOnceThenTwentyRealProcessesAndEveryGenerationRestores() throws Exception {
        ClientRegistry registry = ClientRegistry.in(server.chunks());
        List<Machine> machines = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            Path live = Trees.make(dir.resolve("live-" + i), 1000 + i, 16, 40_000);
            String token = registry.add("load-" + i, Set.of(Right.READ, Right.APPEND)).token();
            machines.add(new Machine(i, live, dir.resolve("home-" + i), token));
        }

        // Phase 1: fifty clients at once, in this JVM.
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        List<Repository.Unlocked> keys = new ArrayList<>(Collections.nCopies(CLIENTS, null));
        CountDownLatch ready = new CountDownLatch(CLIENTS);
        CountDownLatch go = new CountDownLatch(1);
        ConcurrentHashMap<Integer, Long> backupMillis = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (Machine m : machines) {
            threads.add(Thread.ofPlatform().name("load-" + m.n()).start(() -> {
                try (Store store = m.store()) {
                    Repository repo;
                    try {
                        Repository.Unlocked k = Repository.initialise(store, "load " + m.n(),
                                new KdfParams(8 * 1024, 1, 1));
                        keys.set(m.n(), k);
                        new PasswordsFile(m.home().resolve(".config/obnam/passwords.yaml")).store(k.repositoryId(),
                                k.key().hex());
                        repo = m.repository(store, k);
                    } finally {
                        ready.countDown();
                    }
                    go.await();
                    long t0 = System.nanoTime();
                    BackupOutcome out = BackupRun.run(repo, new BackupOptions(List.of(m.live().toString()), 1 << 20,
                            true, SchemaVersion.DEFAULT, 2, m.scratch()), Progress.NONE, w -> errors.add(m.n() + ": " + w));
                    backupMillis.put(m.n(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                    if (!out.complete()) {
                        errors.add(m.n() + ": backup incomplete: " + out.warnings());
                    }
                } catch (Throwable t) {
                    errors.add(m.n() + ": " + describe(t));
                }
            }));
        }
        assertThat(ready.await(5, TimeUnit.MINUTES)).as("every client initialised").isTrue();
        long start = System.nanoTime();
        go.countDown();
        for (Thread t : threads) {
            t.join(TimeUnit.MINUTES.toMillis(10));
            assertThat(t.isAlive()).as("client thread %s finished", t.getName()).isFalse();
        }
        long phase1 = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        long slowest = backupMillis.values().stream().mapToLong(Long::longValue).max().orElse(-1);
        long bytes = machines.stream().mapToLong(m -> Trees.snapshot(m.live()).values().stream()
                .mapToLong(b -> b.length).sum()).sum();
        System.err.printf("load: %d clients (%d KiB in all) backed up at once in %d ms (slowest client %d ms),"
                + " %d errors%n", CLIENTS, bytes >> 10, phase1, slowest, errors.size());
        assertThat(errors).as("errors of %d concurrent clients", CLIENTS).isEmpty();
        assertThat(backupMillis).hasSize(CLIENTS);

        // Phase 2: twenty real client processes at the same moment, each making a second generation.
        List<ObnamClient.Started> processes = new ArrayList<>();
        for (Machine m : machines.subList(0, PROCESSES)) {
            Trees.write(m.live().resolve("second"), Trees.random(5000 + m.n(), 100_000));
            ObnamClient c = ObnamClient.of(server, m.token(), m.home(), m.live());
            processes.add(c.start("backup"));
        }
        long start2 = System.nanoTime();
        int processErrors = 0;
        for (ObnamClient.Started p : processes) {
            ObnamClient.Run r = p.await();
            if (r.exit() != 0) {
                processErrors++;
                errors.add("process: " + r);
            }
        }
        long phase2 = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start2);
        System.err.printf("load: %d bin/obnam backup processes at once in %d ms, %d errors%n", PROCESSES, phase2,
                processErrors);
        assertThat(errors).isEmpty();

        // Every generation of every client restores byte-identical and the repositories check clean.
        long start3 = System.nanoTime();
        int generations = 0;
        for (Machine m : machines) {
            try (Store store = m.store()) {
                Repository repo = m.repository(store, keys.get(m.n()));
                List<GenerationList.Item> gens = repo.generations().generations();
                assertThat(gens).hasSize(m.n() < PROCESSES ? 2 : 1);
                Path target = dir.resolve("restored-" + m.n());
                RestoreOutcome out = RestoreRun.run(repo, gens.getLast(), target, m.scratch(), 2, errors::add);
                assertThat(out.complete()).as("restore of client %d: %s", m.n(), out.failed()).isTrue();
                Trees.assertSame(m.live(), Trees.restored(target, m.live()));
                CheckReport report = new Checker(repo, m.scratch(), msg -> { }).check(true);
                assertThat(report.ok()).as("check of client %d: %s", m.n(), report.problems()).isTrue();
                generations += gens.size();
            }
        }
        System.err.printf("load: %d generations of %d clients restored byte-identical and checked in %d ms%n",
                generations, CLIENTS, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start3));
        assertThat(errors).isEmpty();
    }
}
