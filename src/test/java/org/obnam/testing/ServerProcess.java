package org.obnam.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code bin/obnam-server}, run as a process on a free loopback port with a test
 * certificate, for integration tests. Its stderr goes to a file the test can read.
 */
public final class ServerProcess implements AutoCloseable {
    private static final Duration STARTUP = Duration.ofSeconds(60);

    private final Path dir;
    private final Path config;
    private final TestCerts.ServerFiles tls;
    private final int port;
    private final Map<String, String> env;
    private Process process;
    private Path stderr;
    private int starts;

    /** The result of running a command. */
    public record Run(int exitCode, String stdout, String stderr) {
        public String lastLine() {
            List<String> lines = stdout.lines().toList();
            return lines.isEmpty() ? "" : lines.getLast();
        }
    }

    private ServerProcess(Path dir, String extraConfig, Map<String, String> env) throws IOException {
        this.dir = dir;
        this.env = env;
        this.tls = TestCerts.selfSigned(dir.resolve("tls"));
        this.port = FreePort.find();
        this.config = dir.resolve("server.yaml");
        Files.writeString(config, "address: 127.0.0.1:" + port + "\n"
                + "chunks: " + dir.resolve("chunks") + "\n"
                + "tls_key: " + tls.key() + "\n"
                + "tls_cert: " + tls.cert() + "\n"
                + extraConfig);
    }

    /** Configures a server in {@code dir} and starts it; {@code extraConfig} is more YAML lines. */
    public static ServerProcess start(Path dir, String extraConfig, Map<String, String> env) {
        try {
            ServerProcess p = new ServerProcess(dir, extraConfig, env);
            p.start();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ServerProcess start(Path dir) {
        return start(dir, "", Map.of());
    }

    public static Path projectDir() {
        return Path.of(System.getProperty("obnam.projectDir", System.getProperty("user.dir")));
    }

    public static Path launcher() {
        return projectDir().resolve("bin/obnam-server");
    }

    /** Starts (or starts again) the server and waits until it answers HTTPS requests. */
    public void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        try {
            stderr = dir.resolve("stderr-" + ++starts + ".log");
            ProcessBuilder pb = new ProcessBuilder(launcher().toString(), config.toString())
                    .redirectOutput(dir.resolve("stdout-" + starts + ".log").toFile())
                    .redirectError(stderr.toFile());
            pb.environment().remove("OBNAM_SERVER_LOG");
            pb.environment().putAll(env);
            process = pb.start();
            waitUntilReady();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void waitUntilReady() {
        HttpClient client = HttpClient.newBuilder().sslContext(Https.trusting(tls.trust()))
                .connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create(url() + "/v1/chunks?label=ready"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("obnam-server exited with " + process.exitValue() + " during startup: "
                        + stderr());
            }
            try {
                client.send(probe, HttpResponse.BodyHandlers.discarding());
                return; // any answer (401) means it is serving
            } catch (ConnectException e) {
                // not listening yet
            } catch (IOException e) {
                // listening, TLS not ready yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(50);
        }
        process.destroyForcibly();
        throw new IllegalStateException("obnam-server did not answer within " + STARTUP + ": " + stderr());
    }

    /** Sends SIGTERM and waits for the process to end; returns its exit code. */
    public int stop() {
        if (process == null) {
            return -1;
        }
        long start = System.nanoTime();
        process.destroy(); // SIGTERM
        try {
            // A graceful stop may take up to the server's shutdown timeout (30 s by default). A slow
            // one leaves a thread dump behind; only one that never ends fails the test.
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                Path report = diagnose();
                System.err.println("obnam-server " + process.pid() + " is slow to stop; threads and stderr in " + report);
                if (!process.waitFor(40, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                    throw new IllegalStateException("obnam-server did not stop within 60 s of SIGTERM; threads and"
                            + " stderr in " + report);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        System.err.printf("obnam-server %d stopped in %d ms%n", process.pid(), (System.nanoTime() - start) / 1_000_000);
        return process.exitValue();
    }

    /** Saves the server's threads and stderr under target/, which outlives the test's temporary directory. */
    private Path diagnose() {
        Path report = projectDir().resolve("target/obnam-server-stuck-" + process.pid() + ".txt");
        try {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process dump = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print")
                    .redirectErrorStream(true).redirectOutput(report.toFile()).start();
            dump.waitFor(20, TimeUnit.SECONDS);
            Files.writeString(report, "\n---- stderr\n" + stderr(), java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            return Path.of("(cannot save a report: " + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return report;
    }

    public void restart() {
        stop();
        start();
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            stop();
        }
    }

    public String url() {
        return "https://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path config() {
        return config;
    }

    public Path chunks() {
        return dir.resolve("chunks");
    }

    /** The PEM file a client trusts: the server's self-signed certificate. */
    public Path trustedCert() {
        return tls.trust();
    }

    public Process process() {
        return process;
    }

    /** What this run of the server wrote to stderr so far. */
    public String stderr() {
        try {
            return Files.readString(stderr, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no stderr: " + e.getMessage() + ")";
        }
    }

    /** A plain HTTPS client for this server. */
    public Https https() {
        return new Https(url(), trustedCert());
    }

    /** {@code obnam-server client add}; returns the new token (the last line of stdout). */
    public String addClient(String name, String... moreArgs) {
        List<String> args = new ArrayList<>(List.of("client", "add", "--config", config.toString(), name));
        args.addAll(List.of(moreArgs));
        Run r = run(args.toArray(String[]::new));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("client add failed: " + r);
        }
        return r.lastLine();
    }

    /** Runs bin/obnam-server with {@code args} and waits (bounded) for it to finish. */
    public static Run run(String... args) {
        return run(Map.of(), args);
    }

    public static Run run(Map<String, String> env, String... args) {
        try {
            Path out = Files.createTempFile("obnam-server-out", ".txt");
            Path err = Files.createTempFile("obnam-server-err", ".txt");
            List<String> command = new ArrayList<>();
            command.add(launcher().toString());
            command.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().remove("OBNAM_SERVER_LOG");
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("obnam-server " + String.join(" ", args) + " did not finish within 60 s");
            }
            Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
