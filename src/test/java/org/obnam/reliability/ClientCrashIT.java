package org.obnam.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the real client with SIGKILL at many points of a backup into a local repository. After
 * each kill the repository must check clean, and the next backup must complete, reuse what was
 * already stored, and restore byte-identical.
 */
@Timeout(600)
class ClientCrashIT {
    private static final Path OBNAM = Path.of(System.getProperty("obnam.projectDir", ".")).resolve("bin/obnam");

    @TempDir
    Path dir;

    private record Result(int exit, String stdout, String stderr) {}

    private ProcessBuilder obnam(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(OBNAM.toString());
        cmd.add("--config");
        cmd.add(dir.resolve("obnam.yaml").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        Map<String, String> env = pb.environment();
        env.put("HOME", dir.resolve("home").toString());
        env.remove("XDG_CONFIG_HOME");
        env.remove("XDG_STATE_HOME");
        env.remove("XDG_CACHE_HOME");
        env.remove("OBNAM_PASSPHRASE");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return pb;
    }

    private Result run(String... args) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = obnam(args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("obnam " + String.join(" ", args) + " did not finish in time");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private void makeTree(Path live) throws IOException {
        Random r = new Random(5);
        for (int i = 0; i < 10; i++) {
            byte[] big = new byte[(3 + i / 2) << 20];
            r.nextBytes(big);
            write(live.resolve("big").resolve("b" + i), big);
        }
        for (int i = 0; i < 1500; i++) {
            byte[] small = new byte[r.nextInt(3000)];
            r.nextBytes(small);
            write(live.resolve("small").resolve("d" + i % 30).resolve("s" + i), small);
        }
    }

    private static void write(Path p, byte[] data) throws IOException {
        Files.createDirectories(p.getParent());
        Files.write(p, data);
    }

    private static long countObjects(Path repo) throws IOException {
        Path objects = repo.resolve("objects");
        if (!Files.isDirectory(objects)) {
            return 0;
        }
        try (var files = Files.walk(objects)) {
            return files.filter(Files::isRegularFile).count();
        } catch (java.io.UncheckedIOException e) {
            return 0; // a file vanished while counting
        }
    }

    private static long field(String stdout, String name) {
        for (String line : stdout.split("\n")) {
            if (line.startsWith(name + ": ")) {
                return Long.parseLong(line.substring(name.length() + 2).split("[ ,]")[0]);
            }
        }
        throw new AssertionError("no " + name + " in output:\n" + stdout);
    }

    @Test
    void killingTheClientAtAnyPointLeavesARepositoryThatChecksCleanAndTheNextBackupReusesItsWork() throws Exception {
        Path live = dir.resolve("live");
        makeTree(live);
        Files.writeString(dir.resolve("obnam.yaml"), "server_url: " + dir.resolve("repo") + "\nroots: [" + live + "]\n");
        assertThat(run("init", "--insecure-passphrase=crash").exit()).isZero();

        // Calibrate: a whole backup into a scratch repository, to know how much it stores.
        Result calibration = run("backup");
        assertThat(calibration.exit()).as(calibration.stderr()).isZero();
        long stored = field(calibration.stdout(), "new-chunks");

        // A fresh repository for the crash runs. Each run is killed at a crash point: early (JVM
        // start, walk), or once the repository holds a given number of stored objects.
        Files.writeString(dir.resolve("obnam.yaml"), "server_url: " + dir.resolve("repo2") + "\nroots: [" + live + "]\n");
        assertThat(run("init", "--insecure-passphrase=crash").exit()).isZero();
        int killedWithData = 0;
        for (int objects : new int[] {-1, 1, 3, 6, 9, 12}) {
            Process p = obnam("backup").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (p.isAlive() && System.nanoTime() < deadline
                    && (objects < 0 ? false : countObjects(dir.resolve("repo2")) < objects)) {
                Thread.sleep(20);
            }
            if (objects < 0) {
                Thread.sleep(300);
            }
            boolean killed = p.isAlive();
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no cleanup runs
            if (killed && objects > 0) {
                killedWithData++;
            }
            Result check = run("check");
            assertThat(check.exit()).as("check after a kill at %d objects:\n%s%s", objects, check.stdout(), check.stderr())
                    .isZero();
        }
        assertThat(killedWithData).as("crash points reached while data was being stored").isGreaterThanOrEqualTo(3);

        Result done = run("backup");
        assertThat(done.exit()).as(done.stderr()).isZero();
        assertThat(field(done.stdout(), "new-chunks"))
                .as("the backup after the crashes stores less than a whole backup: it reuses uploaded chunks\n%s", done.stdout())
                .isLessThan(stored);
        Result check = run("check", "--read-data");
        assertThat(check.exit()).as(check.stdout()).isZero();
        Result restore = run("restore", "latest", dir.resolve("restored").toString());
        assertThat(restore.exit()).as(restore.stderr()).isZero();
        Process diff = new ProcessBuilder("diff", "-r", "--no-dereference", live.toString(),
                dir.resolve("restored").resolve(live.toString().substring(1)).toString()).redirectErrorStream(true).start();
        String diffOut = new String(diff.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(diff.waitFor()).as(diffOut).isZero();
    }
}
