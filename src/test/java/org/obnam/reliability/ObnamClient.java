package org.obnam.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.obnam.testing.ServerProcess;

/**
 * One machine running the real {@code bin/obnam}: its own HOME (so its own keys, state and cache)
 * and configuration file. Every run is bounded in time.
 */
final class ObnamClient {
    static final Path OBNAM = ServerProcess.projectDir().resolve("bin/obnam");
    private static final long TIMEOUT_SECONDS = 300;

    private final Path home;
    private final Path config;
    private int runs;

    /** What a run printed and how it ended. */
    record Run(int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }

        /** The value of a {@code name: value} line of stdout. */
        String field(String name) {
            for (String line : stdout.split("\n")) {
                if (line.startsWith(name + ": ")) {
                    return line.substring(name.length() + 2).strip();
                }
            }
            throw new AssertionError("no " + name + " in output:\n" + this);
        }
    }

    ObnamClient(Path home, String configYaml) {
        this.home = home;
        this.config = home.resolve("obnam.yaml");
        try {
            Files.createDirectories(home);
            Files.writeString(config, configYaml);
            // As a careful user keeps a file that may hold an access token (obnam warns otherwise).
            Files.setPosixFilePermissions(config, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client of {@code server} with {@code token}, trusting the server's self-signed certificate. */
    static ObnamClient of(ServerProcess server, String token, Path home, Path... roots) {
        return new ObnamClient(home, serverConfig(server, token, roots) + "ca_cert: " + server.trustedCert() + "\n");
    }

    static String serverConfig(ServerProcess server, String token, Path... roots) {
        StringBuilder y = new StringBuilder("server_url: " + server.url() + "\naccess_token: " + token + "\nroots:\n");
        for (Path r : roots) {
            y.append("  - ").append(r).append('\n');
        }
        return y.toString();
    }

    Path home() {
        return home;
    }

    Path config() {
        return config;
    }

    ProcessBuilder builder(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(OBNAM.toString());
        cmd.add("--config");
        cmd.add(config.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile());
        Map<String, String> env = pb.environment();
        env.put("HOME", home.toString());
        env.remove("XDG_CONFIG_HOME");
        env.remove("XDG_STATE_HOME");
        env.remove("XDG_CACHE_HOME");
        env.remove("OBNAM_PASSPHRASE");
        env.put("OBNAM_MAX_HEAP", "256m");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return pb;
    }

    /** A started run whose output goes to files; finish it with {@link #await}. */
    Started start(String... args) {
        try {
            int n;
            synchronized (this) {
                n = ++runs;
            }
            Path out = home.resolve("run-" + n + ".out");
            Path err = home.resolve("run-" + n + ".err");
            Process p = builder(args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            return new Started(p, out, err, String.join(" ", args));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    record Started(Process process, Path out, Path err, String what) {
        Run await() {
            try {
                if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError("obnam " + what + " did not finish within " + TIMEOUT_SECONDS + " s");
                }
                return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    Run run(String... args) {
        return start(args).await();
    }

    Run init(String passphrase) {
        return run("init", "--insecure-passphrase=" + passphrase);
    }
}
