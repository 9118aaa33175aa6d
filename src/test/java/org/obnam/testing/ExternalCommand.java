package org.obnam.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external program as a process, the one place tests do so: a fresh environment (nothing
 * inherited unless asked), a working directory, stdin closed ({@code /dev/null}), stdout kept as
 * raw bytes, stderr, the exit code, and a bounded run time after which the process and its
 * children are killed and the test fails. Output goes through temporary files, so a chatty
 * process can never block on a full pipe.
 */
public final class ExternalCommand {
    /** Long enough for a slow, loaded CI machine; short enough that nothing hangs CI. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
    /** PATH for every command, unless a test sets another. */
    public static final String STANDARD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final List<String> command;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private Path directory;
    private Duration timeout = DEFAULT_TIMEOUT;

    private ExternalCommand(List<String> command) {
        this.command = List.copyOf(command);
        environment.put("PATH", STANDARD_PATH);
    }

    public static ExternalCommand of(String... command) {
        return new ExternalCommand(List.of(command));
    }

    public static ExternalCommand of(List<String> command) {
        return new ExternalCommand(command);
    }

    /** Sets one environment variable (the environment starts with only PATH). */
    public ExternalCommand env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    public ExternalCommand env(Map<String, String> variables) {
        environment.putAll(variables);
        return this;
    }

    /** Passes these variables on from the test's own environment, where set. */
    public ExternalCommand inherit(String... names) {
        for (String n : names) {
            String v = System.getenv(n);
            if (v != null) {
                environment.put(n, v);
            }
        }
        return this;
    }

    public ExternalCommand in(Path workingDirectory) {
        this.directory = workingDirectory;
        return this;
    }

    public ExternalCommand timeout(Duration limit) {
        this.timeout = limit;
        return this;
    }

    /** Runs the command to completion (or to the timeout, which fails the test). */
    public Result run() {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("obnam-test-stdout", ".bin");
            err = Files.createTempFile("obnam-test-stderr", ".bin");
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().clear();
            pb.environment().putAll(environment);
            if (directory != null) {
                pb.directory(directory.toFile());
            }
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.redirectOutput(out.toFile());
            pb.redirectError(err.toFile());
            long start = System.nanoTime();
            Process p = pb.start();
            boolean finished;
            try {
                finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                kill(p);
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while running " + command, e);
            }
            if (!finished) {
                kill(p);
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s: "
                        + new Result(command, environment, directory, -1, Files.readAllBytes(out),
                                Files.readAllBytes(err), Duration.ofNanos(System.nanoTime() - start)).describe());
            }
            return new Result(command, environment, directory, p.exitValue(), Files.readAllBytes(out),
                    Files.readAllBytes(err), Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a stray temp file is not worth failing a test for
            }
        }
    }

    /** What a finished process did. */
    public record Result(List<String> command, Map<String, String> environment, Path directory, int exitCode,
            byte[] stdoutBytes, byte[] stderrBytes, Duration elapsed) {

        public Result {
            command = List.copyOf(command);
            environment = Map.copyOf(environment);
        }

        /** Stdout decoded as UTF-8 (invalid bytes become U+FFFD; use {@link #stdoutBytes()} for raw names). */
        public String stdout() {
            return new String(stdoutBytes, StandardCharsets.UTF_8);
        }

        public String stderr() {
            return new String(stderrBytes, StandardCharsets.UTF_8);
        }

        /** Stdout as lines, without the line terminators. */
        public List<String> stdoutLines() {
            return stdout().lines().toList();
        }

        /** Stdout as lines of raw bytes (split at '\n'), for output that holds file names. */
        public List<byte[]> stdoutByteLines() {
            List<byte[]> lines = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < stdoutBytes.length; i++) {
                if (stdoutBytes[i] == '\n') {
                    lines.add(java.util.Arrays.copyOfRange(stdoutBytes, start, i));
                    start = i + 1;
                }
            }
            if (start < stdoutBytes.length) {
                lines.add(java.util.Arrays.copyOfRange(stdoutBytes, start, stdoutBytes.length));
            }
            return lines;
        }

        /** Fails the test, showing everything the process did, unless it exited with {@code expected}. */
        public Result expectExit(int expected) {
            if (exitCode != expected) {
                throw new AssertionError("expected exit code " + expected + " but got " + exitCode + ": " + describe());
            }
            return this;
        }

        public Result expectSuccess() {
            return expectExit(0);
        }

        /** Fails the test unless the process failed (any non-zero exit). */
        public Result expectFailure() {
            if (exitCode == 0) {
                throw new AssertionError("expected the command to fail, but it succeeded: " + describe());
            }
            return this;
        }

        /** Everything about the run, for failure messages. */
        public String describe() {
            StringBuilder s = new StringBuilder();
            s.append("\n  command: ").append(String.join(" ", command));
            if (directory != null) {
                s.append("\n  in: ").append(directory);
            }
            s.append("\n  exit code: ").append(exitCode);
            if (exitCode == 128 + 9) {
                s.append(" (killed by SIGKILL from outside the process: the OOM killer, or someone's kill)");
            }
            s.append(String.format("%n  elapsed: %.1f s", elapsed.toMillis() / 1000.0));
            s.append("\n  stdout:\n").append(indent(printable(stdoutBytes)));
            s.append("\n  stderr:\n").append(indent(printable(stderrBytes)));
            return s.toString();
        }

        @Override
        public String toString() {
            return describe();
        }

        private static String indent(String text) {
            return text.isEmpty() ? "    (empty)" : "    " + text.replace("\n", "\n    ");
        }

        /** UTF-8 text with any byte that is not printable ASCII shown as \xNN, so raw names stay visible. */
        private static String printable(byte[] bytes) {
            StringBuilder s = new StringBuilder();
            HexFormat hex = HexFormat.of();
            for (byte b : bytes) {
                int c = b & 0xff;
                if (c == '\n' || (c >= 0x20 && c < 0x7f)) {
                    s.append((char) c);
                } else {
                    s.append("\\x").append(hex.toHexDigits(b));
                }
            }
            return s.toString();
        }
    }
}
