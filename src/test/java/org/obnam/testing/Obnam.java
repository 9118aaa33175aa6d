package org.obnam.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.obnam.testing.ExternalCommand.Result;

/**
 * The real {@code bin/obnam}, run as a process the way a user runs it: in a working directory,
 * with its own HOME (so a test never touches the real home, and no XDG_* variable leaks in), as
 * the current user or as an unprivileged one.
 *
 * <p>Each instance is immutable; {@code with...} methods return a changed copy. A scenario's
 * layout is its directory {@code dir}: the working directory, {@code dir/home} as HOME and
 * {@code dir/repo} as the local repository.
 */
public final class Obnam {
    /**
     * Extra JVM options for the launcher (its OBNAM_JAVA_OPTS). Tests start Obnam a few hundred
     * times, each a short run where the optimising compiler only costs CPU; behaviour is the
     * same. Override with -Dobnam.test.javaOpts=... (empty for none).
     */
    public static final String DEFAULT_JAVA_OPTS = "-XX:TieredStopAtLevel=1";

    private final Path cwd;
    private final Path home;
    private final Path repository;
    private final Path configFile; // null: the default ~/.config/obnam/obnam.yaml
    private final TestUsers.User user;
    private final Map<String, String> env;

    private Obnam(Path cwd, Path home, Path repository, Path configFile, TestUsers.User user, Map<String, String> env) {
        this.cwd = cwd;
        this.home = home;
        this.repository = repository;
        this.configFile = configFile;
        this.user = user;
        this.env = Map.copyOf(env);
    }

    /** A client working in {@code dir}, with HOME {@code dir/home} and repository {@code dir/repo}. */
    public static Obnam in(Path dir) {
        try {
            Files.createDirectories(dir.resolve("home"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LANG", "C.UTF-8");
        return new Obnam(dir, dir.resolve("home"), dir.resolve("repo"), null, null, env);
    }

    /** The same client on "another machine": a different HOME (so no keys, no state), same repository. */
    public Obnam withHome(Path otherHome) {
        try {
            Files.createDirectories(otherHome);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Obnam(cwd, otherHome, repository, configFile, user, env);
    }

    /** The same client with another local repository (and so another server_url in {@link #configure}). */
    public Obnam withRepository(Path otherRepository) {
        return new Obnam(cwd, home, otherRepository, configFile, user, env);
    }

    /** Runs Obnam as this user. */
    public Obnam as(TestUsers.User runAs) {
        return new Obnam(cwd, home, repository, configFile, runAs, env);
    }

    /** Passes {@code --config FILE} instead of relying on the default location. */
    public Obnam withConfig(Path file) {
        return new Obnam(cwd, home, repository, file, user, env);
    }

    /** Sets an environment variable for the process (null removes it). */
    public Obnam withEnv(String name, String value) {
        Map<String, String> e = new LinkedHashMap<>(env);
        if (value == null) {
            e.remove(name);
        } else {
            e.put(name, value);
        }
        return new Obnam(cwd, home, repository, configFile, user, e);
    }

    public Path cwd() {
        return cwd;
    }

    public Path home() {
        return home;
    }

    public Path repository() {
        return repository;
    }

    /** Where the configuration is read from. */
    public Path configFile() {
        return configFile != null ? configFile : defaultConfigFile();
    }

    public Path defaultConfigFile() {
        return home.resolve(".config/obnam/obnam.yaml");
    }

    public Path passwordsFile() {
        return home.resolve(".config/obnam/passwords.yaml");
    }

    /**
     * Writes the configuration: {@code server_url} is this scenario's local repository, followed by
     * {@code yaml} (the rest of the keys, e.g. {@code "roots: [live]"}).
     */
    public Obnam configure(String yaml) {
        writeFile(configFile(), "server_url: " + repository + "\n" + yaml.stripIndent());
        return this;
    }

    /** Writes the configuration with exactly this text (no server_url added). */
    public Obnam configureExactly(String yaml) {
        writeFile(configFile(), yaml.stripIndent());
        return this;
    }

    /** Writes a configuration file with exactly this text into the working directory; returns its path. */
    public Path configFileWith(String name, String yaml) {
        Path file = cwd.resolve(name);
        writeFile(file, yaml.stripIndent());
        return file;
    }

    private static void writeFile(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
            // As a careful user keeps a file that may hold an access token (obnam warns otherwise).
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code obnam [--config FILE] ARGS...} and returns what happened, whatever the exit code. */
    public Result run(String... args) {
        List<String> command = new ArrayList<>();
        if (user != null) {
            command.addAll(user.prefix());
        }
        command.add(launcher(user).toString());
        if (configFile != null) {
            command.add("--config");
            command.add(configFile.toString());
        }
        command.addAll(List.of(args));
        ExternalCommand c = ExternalCommand.of(command).in(cwd).env("HOME", home.toString())
                .env("OBNAM_JAVA_OPTS", System.getProperty("obnam.test.javaOpts", DEFAULT_JAVA_OPTS)).env(env);
        c.inherit("JAVA_HOME"); // the launcher falls back to /usr/lib/jvm if another user cannot use it
        return c.run();
    }

    /**
     * Runs {@code obnam [--config FILE]} with arguments written for bash, such as {@code $'r_\xff'}:
     * the way to give it arguments that are not UTF-8, which Java cannot pass to a process.
     */
    public Result runInShell(String bashArguments) {
        List<String> command = new ArrayList<>();
        if (user != null) {
            command.addAll(user.prefix());
        }
        String script = "exec \"$0\" " + (configFile != null ? "--config \"$1\" " : "") + bashArguments;
        command.addAll(List.of("bash", "-c", script, launcher(user).toString()));
        if (configFile != null) {
            command.add(configFile.toString());
        }
        ExternalCommand c = ExternalCommand.of(command).in(cwd).env("HOME", home.toString())
                .env("OBNAM_JAVA_OPTS", System.getProperty("obnam.test.javaOpts", DEFAULT_JAVA_OPTS)).env(env);
        c.inherit("JAVA_HOME");
        return c.run();
    }

    /** Runs a command that must succeed (exit code 0). */
    public Result ok(String... args) {
        return run(args).expectSuccess();
    }

    /** {@code obnam init --insecure-passphrase=P}; must succeed. */
    public Result init(String passphrase) {
        return ok("init", "--insecure-passphrase=" + passphrase);
    }

    /**
     * Gives this scenario an initialised repository and this HOME its keys, as {@code obnam init
     * --insecure-passphrase=}{@value #TEMPLATE_PASSPHRASE} would, by copying what one real
     * {@code obnam init} made once for the whole test run (starting a JVM costs more than
     * anything else in these tests). Scenarios about {@code init} itself call {@link #init}.
     */
    public Obnam initialised() {
        Path t = template();
        if (Files.exists(repository, LinkOption.NOFOLLOW_LINKS)) {
            throw new AssertionError("repository " + repository + " already exists");
        }
        copyTree(t.resolve("repo"), repository);
        copyTree(t.resolve("home"), home);
        return this;
    }

    /** The passphrase of the repositories {@link #initialised()} gives. */
    public static final String TEMPLATE_PASSPHRASE = "hunter2";

    private static Path template;

    private static synchronized Path template() {
        if (template == null) {
            try {
                Path t = Files.createTempDirectory("obnam-acceptance-template");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(t)));
                Obnam o = Obnam.in(t);
                o.configure("roots: [live]");
                o.init(TEMPLATE_PASSPHRASE);
                Files.delete(o.defaultConfigFile());
                template = t;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return template;
    }

    /** Copies a tree, keeping permission bits (a passwords file must stay 0600); merges into existing directories. */
    private static void copyTree(Path from, Path to) {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path src : all.toList()) {
                Path dst = to.resolve(from.relativize(src).toString());
                if (Files.isDirectory(src, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(dst);
                    Files.setPosixFilePermissions(dst, Files.getPosixFilePermissions(src, LinkOption.NOFOLLOW_LINKS));
                } else {
                    Files.copy(src, dst, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING,
                            LinkOption.NOFOLLOW_LINKS);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }

    /** {@code obnam backup ARGS}; must succeed with exit code 0. */
    public Backup backup(String... args) {
        return Backup.of(runBackup(args).expectSuccess());
    }

    /** {@code obnam backup ARGS} with any outcome. */
    public Result runBackup(String... args) {
        List<String> all = new ArrayList<>();
        all.add("backup");
        all.addAll(List.of(args));
        return run(all.toArray(String[]::new));
    }

    /** A finished backup: the process result and the generation id on its last line. */
    public record Backup(Result result, String generationId) {
        public static Backup of(Result result) {
            List<String> lines = result.stdoutLines();
            String last = lines.isEmpty() ? "" : lines.getLast();
            if (!last.startsWith("generation-id: ")) {
                throw new AssertionError("backup output does not end with a generation-id line: " + result.describe());
            }
            return new Backup(result, last.substring("generation-id: ".length()).strip());
        }

        public String stdout() {
            return result.stdout();
        }

        public String stderr() {
            return result.stderr();
        }
    }

    // ---- finding the launcher

    private static Path sharedCopy;

    /** The project's root: failsafe passes -Dobnam.projectDir; otherwise found from the working directory. */
    public static Path projectDir() {
        String p = System.getProperty("obnam.projectDir");
        if (p != null && !p.isBlank()) {
            return Path.of(p).toAbsolutePath();
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("bin/obnam")) && Files.isRegularFile(d.resolve("pom.xml"))) {
                return d;
            }
        }
        throw new AssertionError("cannot find the project directory (no -Dobnam.projectDir, no bin/obnam above "
                + Path.of("").toAbsolutePath() + ")");
    }

    /**
     * bin/obnam of the project; for another user who cannot read the project (it may be under a
     * private home in CI), a copy of the launchers and the jar in a world-readable temporary place.
     */
    static synchronized Path launcher(TestUsers.User runAs) {
        Path project = projectDir();
        Path bin = project.resolve("bin/obnam");
        if (!Files.isRegularFile(project.resolve("target/obnam.jar"))) {
            throw new AssertionError(project.resolve("target/obnam.jar") + " is missing: run the acceptance tests with "
                    + "'./mvnw verify' so that the jar is built first");
        }
        if (runAs == null || runAs.prefix().isEmpty()) {
            return bin;
        }
        List<String> probe = new ArrayList<>(runAs.prefix());
        probe.addAll(List.of("sh", "-c", "test -x \"$1\" && test -r \"$2\"", "probe", bin.toString(),
                project.resolve("target/obnam.jar").toString()));
        if (ExternalCommand.of(probe).run().exitCode() == 0) {
            return bin;
        }
        if (sharedCopy == null) {
            sharedCopy = copyForOtherUsers(project);
        }
        return sharedCopy.resolve("bin/obnam");
    }

    private static Path copyForOtherUsers(Path project) {
        try {
            Path top = Files.createTempDirectory("obnam-acceptance-launcher");
            Files.setPosixFilePermissions(top, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.createDirectories(top.resolve("bin"));
            Files.createDirectories(top.resolve("target"));
            try (Stream<Path> launchers = Files.list(project.resolve("bin"))) {
                for (Path f : launchers.toList()) {
                    Path to = top.resolve("bin").resolve(f.getFileName().toString());
                    Files.copy(f, to, StandardCopyOption.COPY_ATTRIBUTES);
                    Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
            for (String f : List.of("target/obnam.jar", "target/obnam.aot", "target/obnam-remote.aot", "target/obnam-server.aot")) {
                Path from = project.resolve(f);
                if (Files.exists(from)) {
                    Files.copy(from, top.resolve(f), StandardCopyOption.COPY_ATTRIBUTES); // keeps the aot newer than the jar
                    Files.setPosixFilePermissions(top.resolve(f), PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
            for (String d : List.of("bin", "target")) {
                Files.setPosixFilePermissions(top.resolve(d), PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(top)));
            return top;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the launcher for the unprivileged test user", e);
        }
    }

    private static void deleteTree(Path top) {
        try (Stream<Path> all = Files.walk(top)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // best effort at shutdown
        }
    }

    @Override
    public String toString() {
        return "obnam in " + cwd + " with HOME " + home + (user == null ? "" : " as " + user.name())
                + (Files.exists(configFile(), LinkOption.NOFOLLOW_LINKS) ? "" : " (no config yet)");
    }
}
