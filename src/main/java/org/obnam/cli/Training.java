package org.obnam.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The workload the build runs once with {@code -XX:AOTCacheOutput} to make {@code target/obnam.aot}:
 * the classes and method profiles of typical commands, so {@code obnam list} starts in a fraction
 * of the time and backups reach full speed sooner. Run by the build with HOME set to a scratch
 * directory (DIR), never by users. With a second argument, a file of configuration lines naming
 * a server ({@code server_url}, {@code access_token}, {@code ca_cert}), the same commands use
 * that server instead of a local repository: {@code build-tools/RemoteTraining.java} runs it so
 * for {@code target/obnam-remote.aot}.
 */
public final class Training {
    private Training() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]).toAbsolutePath();
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Path live = dir.resolve("live");
        Random r = new Random(1);
        for (int i = 0; i < 2000; i++) {
            byte[] small = new byte[r.nextInt(4000)];
            r.nextBytes(small);
            write(live.resolve("d" + i % 20).resolve("f" + i), small);
        }
        byte[] big = new byte[24 << 20];
        r.nextBytes(big);
        write(live.resolve("big.bin"), big);
        write(live.resolve("text.txt"), "the quick brown fox jumps over the lazy dog\n".repeat(200_000).getBytes());
        Path config = dir.resolve("obnam.yaml");
        String repository = args.length > 1 ? Files.readString(Path.of(args[1])) : "server_url: " + dir.resolve("repo") + "\n";
        Files.writeString(config, repository + "roots: [" + live + "]\n");
        Files.setPosixFilePermissions(config, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        String c = config.toString();
        run("--config", c, "init", "--insecure-passphrase=training");
        run("--config", c, "backup");
        write(live.resolve("text.txt"), "changed\n".getBytes());
        run("--config", c, "backup");
        run("--config", c, "list");
        run("--config", c, "list-files");
        run("--config", c, "show-generation");
        run("--config", c, "restore", "latest", dir.resolve("restored").toString());
        run("--config", c, "check", "--read-data");
        run("--config", c, "config");
        run("list-backup-versions");
    }

    private static void run(String... args) {
        int code = Main.execute(args);
        if (code != 0) {
            throw new IllegalStateException("training command failed with exit code " + code + ": " + String.join(" ", args));
        }
    }

    private static void write(Path p, byte[] data) throws IOException {
        Files.createDirectories(p.getParent());
        Files.write(p, data);
    }
}
