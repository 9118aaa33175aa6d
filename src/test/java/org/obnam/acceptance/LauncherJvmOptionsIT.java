package org.obnam.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.Obnam;

/** The JVM options bin/obnam-launch chooses for the client, seen from what the JVM reports. */
class LauncherJvmOptionsIT {
    private static final Pattern YOUNG_GENERATION = Pattern.compile("DefNew\\s+total (\\d+)K");
    private static final Pattern EDEN = Pattern.compile("eden space (\\d+)K");
    private static final Pattern SURVIVOR = Pattern.compile("from space (\\d+)K");

    @TempDir
    Path dir;

    @Test
    void theClientLeavesTheClassFileStackMapGeneratorToTheInterpreter() throws Exception {
        // One C1 compilation of it took 7.3 MB of compiler arena, resident to the end of the run.
        Obnam obnam = withLiveFile().withEnv("OBNAM_JAVA_OPTS", "-XX:+PrintCompilation");

        String out = obnam.ok("backup").stdout();

        assertThat(out).as("compilations printed").contains("java.lang.String::");
        assertThat(out).doesNotContain("StackMapGenerator::processBlock");
    }

    @Test
    void aRestoreGetsASmallYoungGenerationAndABackupTheDefaultWithLargerSurvivorSpaces() throws Exception {
        Obnam obnam = withLiveFile().withEnv("OBNAM_JAVA_OPTS", "-Xlog:gc+exit");

        String backupLog = obnam.ok("backup").stdout();
        long backupYoung = youngKib(backupLog);
        // Survivor spaces of a sixth of the young generation (eden four times one), not a tenth:
        // a backup's queued items and label rows stay young instead of filling the old generation.
        assertThat(kib(SURVIVOR, backupLog) * 4).as("backup's survivor space, four times, KiB")
                .isBetween(kib(EDEN, backupLog) - 1024, kib(EDEN, backupLog) + 1024);
        long restoreYoung = youngKib(obnam.ok("restore", "latest", dir.resolve("restored").toString()).stdout());

        assertThat(restoreYoung).as("restore's young generation, KiB").isLessThanOrEqualTo(8 * 1024);
        assertThat(backupYoung).as("backup's young generation, KiB").isGreaterThan(16 * 1024);
        assertThat(dir.resolve("restored").resolve(dir.resolve("live/file").toString().substring(1))).hasContent("data");
    }

    @Test
    void aRestoreFromAServerKeepsTheDefaultYoungGeneration() {
        Obnam local = Obnam.in(dir);
        Obnam remote = local.withConfig(local.configFileWith("remote.yaml", """
                roots: [live]
                server_url: https://127.0.0.1:9
                access_token: not-used
                """)).withEnv("OBNAM_JAVA_OPTS", "-Xlog:gc+exit");

        long young = youngKib(remote.ok("restore", "--help").stdout());

        assertThat(young).as("young generation of a restore from a server, KiB").isGreaterThan(16 * 1024);
    }

    private Obnam withLiveFile() throws Exception {
        Obnam obnam = Obnam.in(dir).configure("roots: [" + dir.resolve("live") + "]\n").initialised();
        Files.createDirectories(dir.resolve("live"));
        Files.writeString(dir.resolve("live/file"), "data");
        return obnam;
    }

    private static long youngKib(String jvmLog) {
        return kib(YOUNG_GENERATION, jvmLog);
    }

    private static long kib(Pattern pattern, String jvmLog) {
        Matcher m = pattern.matcher(jvmLog);
        assertThat(m.find()).as("the JVM's heap report in:\n" + jvmLog).isTrue();
        return Long.parseLong(m.group(1));
    }
}
