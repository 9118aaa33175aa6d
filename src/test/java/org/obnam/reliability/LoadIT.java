package org.obnam.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.backup.BackupOptions;
import org.obnam.backup.BackupOutcome;
import org.obnam.backup.BackupRun;
import org.obnam.util.Progress;
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
 * Fifty clients backing up to one real bin/obnam-server at once on loopback, each with its own
 * token, tree, keys and state: twenty-five real {@code bin/obnam backup} processes and twenty-five
 * clients running the client's backup engine in threads of this JVM (each with its own HTTPS
 * connection). Every generation must restore byte-identical and check clean, with no errors.
 */
@Timeout(1200)
class LoadIT {
    private static final int CLIENTS = 50;
    private static final int PROCESSES = 25;

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

        // Keys for all fifty, made here (as obnam init would), so that the timed part is the backups.
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        List<Repository.Unlocked> keys = new ArrayList<>(Collections.nCopies(CLIENTS, null));
        List<Thread> inits = new ArrayList<>();
        for (Machine m : machines) {
            inits.add(Thread.ofPlatform().start(() -> {
                try (Store store = m.store()) {
                    Repository.Unlocked k = Repository.initialise(store, "load " + m.n(), new KdfParams(8 * 1024, 1, 1));
                    keys.set(m.n(), k);
                    new PasswordsFile(m.home().resolve(".config/obnam/passwords.yaml")).store(k.repositoryId(),
                            k.key().hex());
                } catch (Throwable t) {
                    errors.add(m.n() + ": init: " + describe(t));
                }
            }));
        }
        for (Thread t : inits) {
            t.join(TimeUnit.MINUTES.toMillis(5));
        }
        assertThat(errors).isEmpty();

        // All fifty at once: twenty-five real bin/obnam processes, and, once those are uploading,
        // twenty-five clients running the backup engine in threads of this JVM (fifty JVMs would
        // not fit two cores; fifty engines would not fit this JVM's heap).
        long objectsBefore = countObjects();
        long start = System.nanoTime();
        List<ObnamClient.Started> processes = new ArrayList<>();
        for (Machine m : machines.subList(0, PROCESSES)) {
            processes.add(ObnamClient.of(server, m.token(), m.home(), m.live()).start("backup"));
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (countObjects() < objectsBefore + 5 && System.nanoTime() < deadline
                && processes.stream().anyMatch(p -> p.process().isAlive())) {
            Thread.sleep(50);
        }
        long processesRunningAtRelease = processes.stream().filter(p -> p.process().isAlive()).count();
        ConcurrentHashMap<Integer, Long> backupMillis = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (Machine m : machines.subList(PROCESSES, CLIENTS)) {
            threads.add(Thread.ofPlatform().name("load-" + m.n()).start(() -> {
                try (Store store = m.store()) {
                    Repository repo = m.repository(store, keys.get(m.n()));
                    long t0 = System.nanoTime();
                    BackupOutcome out = BackupRun.run(repo, new BackupOptions(List.of(m.live().toString()), 256 << 10,
                            true, SchemaVersion.DEFAULT, 1, m.scratch(), null), Progress.NONE, w -> errors.add(m.n() + ": " + w));
                    backupMillis.put(m.n(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                    if (!out.complete()) {
                        errors.add(m.n() + ": backup incomplete: " + out.warnings());
                    }
                } catch (Throwable t) {
                    errors.add(m.n() + ": " + describe(t));
                }
            }));
        }
        for (Thread t : threads) {
            t.join(TimeUnit.MINUTES.toMillis(10));
            assertThat(t.isAlive()).as("client thread %s finished", t.getName()).isFalse();
        }
        long processesRunningAfterThreads = processes.stream().filter(p -> p.process().isAlive()).count();
        for (ObnamClient.Started p : processes) {
            ObnamClient.Run r = p.await();
            if (r.exit() != 0) {
                errors.add("process: " + r);
            }
        }
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        long slowest = backupMillis.values().stream().mapToLong(Long::longValue).max().orElse(-1);
        long bytes = machines.stream().mapToLong(m -> Trees.snapshot(m.live()).values().stream()
                .mapToLong(b -> b.length).sum()).sum();
        System.err.printf("load: %d clients (%d KiB in all) backed up at once in %d ms: %d bin/obnam processes (%d"
                + " uploading or starting when the %d in-JVM clients began, %d still running when those had finished,"
                + " slowest in-JVM backup %d ms); %d errors%n", CLIENTS, bytes >> 10, took, PROCESSES,
                processesRunningAtRelease, CLIENTS - PROCESSES, processesRunningAfterThreads, slowest, errors.size());
        assertThat(errors).as("errors of %d concurrent clients", CLIENTS).isEmpty();
        assertThat(backupMillis).hasSize(CLIENTS - PROCESSES);
        assertThat(processesRunningAtRelease).as("processes and in-JVM clients overlapped").isPositive();

        // Every generation of every client restores byte-identical and the repositories check clean.
        long start3 = System.nanoTime();
        int generations = 0;
        for (Machine m : machines) {
            try (Store store = m.store()) {
                Repository repo = m.repository(store, keys.get(m.n()));
                List<GenerationList.Item> gens = repo.generations().generations();
                assertThat(gens).hasSize(1);
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

    private static long countObjects() {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(server.chunks().resolve("namespaces"))) {
            return files.filter(p -> p.getParent().getParent().getFileName().toString().equals("objects"))
                    .filter(java.nio.file.Files::isRegularFile).count();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return 0; // a file appeared or vanished while counting
        }
    }
}
