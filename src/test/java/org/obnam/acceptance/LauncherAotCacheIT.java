package org.obnam.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.ExternalCommand;
import org.obnam.testing.Obnam;
import org.obnam.testing.ServerProcess;

/**
 * The launchers start each kind of run with the AOT cache the build recorded for it
 * (bin/obnam-launch, pom.xml, build-tools/RemoteTraining.java): a JVM loads every class of its
 * cache as it starts, so which classes it loads from "shared objects file" shows which cache it
 * got, and that the cache holds what such a run needs.
 */
class LauncherAotCacheIT {
    /** Class loading on stdout, where a run of --version shows it before the version. */
    private static final String LOG_CLASS_LOADING = Obnam.DEFAULT_JAVA_OPTS + " -Xlog:class+load=info";

    @TempDir
    Path dir;

    @BeforeAll
    static void theBuildRecordedAllThreeCaches() {
        for (String cache : new String[] {"obnam.aot", "obnam-remote.aot", "obnam-server.aot"}) {
            Path file = Obnam.projectDir().resolve("target").resolve(cache);
            assertThat(file).as("the build (mvn package) records " + file).isRegularFile();
        }
    }

    @Test
    void aClientWithALocalRepositoryGetsTheLocalCacheWithoutTheHttpClasses() {
        Obnam obnam = Obnam.in(dir).configure("roots: [live]\n").withEnv("OBNAM_JAVA_OPTS", LOG_CLASS_LOADING);

        String out = obnam.ok("--version").stdout();

        assertThat(out).contains("org.obnam.store.DirectoryStore source: shared objects file")
                .doesNotContain("org.eclipse.jetty.client.HttpClient ")
                .doesNotContain("org.obnam.store.HttpStore ")
                // the client reads its JSON with jackson-core alone (JsonTree); databind is the server's
                .contains("com.fasterxml.jackson.core.JsonParser source: shared objects file")
                .doesNotContain("com.fasterxml.jackson.databind.ObjectMapper ");
    }

    @Test
    void aClientWithAServerGetsTheCacheWithTheHttpAndTlsClasses() throws Exception {
        Obnam local = Obnam.in(dir);
        for (String url : new String[] {"https://127.0.0.1:9", "\"HTTPS://backup.example.com\""}) {
            Path config = local.configFileWith("remote.yaml", """
                    # a comment first
                    roots: [live]
                    server_url: %s
                    access_token: not-used
                    """.formatted(url));
            Obnam obnam = local.withConfig(config).withEnv("OBNAM_JAVA_OPTS", LOG_CLASS_LOADING);

            String out = obnam.ok("--version").stdout();

            assertThat(out).as(url).contains("org.eclipse.jetty.client.HttpClient source: shared objects file")
                    .contains("org.obnam.store.HttpStore source: shared objects file")
                    .contains("sun.security.ssl.SSLEngineImpl source: shared objects file")
                    .doesNotContain("org.obnam.server.ChunkServer ")
                    .doesNotContain("com.fasterxml.jackson.databind.ObjectMapper ")
                    .doesNotContain("javax.management.MBeanServer ");
        }
    }

    @Test
    void theLauncherReadsNoFurtherIntoAConfigurationThanItsFirstThousandLines() throws Exception {
        // A --config naming some big file by mistake must not hold the launcher up for long;
        // a server_url beyond the first 1,000 lines is not seen (only the cache depends on it).
        Obnam local = Obnam.in(dir);
        Path config = local.configFileWith("long.yaml", "# a comment\n".repeat(200_000) + "server_url: https://127.0.0.1:9\n");

        ExternalCommand.Result result = local.withConfig(config).withEnv("OBNAM_JAVA_OPTS", LOG_CLASS_LOADING)
                .ok("--version");

        assertThat(result.elapsed()).isLessThan(java.time.Duration.ofSeconds(20));
        assertThat(result.stdout()).doesNotContain("org.eclipse.jetty.client.HttpClient ");
    }

    @Test
    void theServerGetsACacheOfItsOwn() {
        ServerProcess.Run run = ServerProcess.run(Map.of("OBNAM_JAVA_OPTS", LOG_CLASS_LOADING), "--version");

        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout()).contains("org.obnam.server.ChunkServer source: shared objects file")
                .contains("org.eclipse.jetty.server.Server source: shared objects file")
                .doesNotContain("org.obnam.cli.Main ")
                // recorded without Jetty starting JMX (the launcher's setting, in the training too)
                .doesNotContain("javax.management.MBeanServer ");
    }

    @Test
    void aCacheOlderThanTheJarIsNotUsed() throws Exception {
        Path copy = dir.resolve("copy");
        Files.createDirectories(copy.resolve("bin"));
        Files.createDirectories(copy.resolve("target"));
        for (String launcher : new String[] {"obnam", "obnam-launch", "jdk-lib.sh"}) {
            Files.copy(Obnam.projectDir().resolve("bin").resolve(launcher), copy.resolve("bin").resolve(launcher));
        }
        Files.copy(Obnam.projectDir().resolve("target/obnam-remote.aot"), copy.resolve("target/obnam-remote.aot"));
        Files.copy(Obnam.projectDir().resolve("target/obnam.jar"), copy.resolve("target/obnam.jar")); // newer
        Path config = Obnam.in(dir).configFileWith("remote.yaml", "server_url: https://127.0.0.1:9\n");

        ExternalCommand.Result result = ExternalCommand.of(List.of(copy.resolve("bin/obnam").toString(), "--config",
                config.toString(), "--version")).in(dir).env("HOME", dir.toString())
                .env("OBNAM_JAVA_OPTS", LOG_CLASS_LOADING).inherit("JAVA_HOME").run();

        assertThat(result.exitCode()).isZero();
        assertThat(result.stdout()).contains("org.obnam.cli.Main source: ")
                .doesNotContain("org.obnam.cli.Main source: shared objects file")
                .doesNotContain("org.eclipse.jetty.client.HttpClient ");
    }
}
