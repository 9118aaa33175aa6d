package org.obnam.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    /** The launcher turns off the VM's console output, which PrintCompilation writes to. */
    private static final String PRINT_COMPILATION = "-XX:+DisplayVMOutput -XX:+PrintCompilation";
    /** A line of -XX:+PrintCompilation for a compilation at tier 4 (C2): time, id, flags, tier, method. */
    private static final Pattern C2_COMPILATION = Pattern.compile("^\\s*\\d+\\s+\\d+\\s+[%sbn!]*\\s*4\\s+(\\S+::\\S+)",
            Pattern.MULTILINE);
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]+)\"");

    @TempDir
    Path dir;

    @Test
    void theClientLeavesTheClassFileStackMapGeneratorToTheInterpreter() throws Exception {
        // One C1 compilation of it took 7.3 MB of compiler arena, resident to the end of the run.
        Obnam obnam = withLiveFile().withEnv("OBNAM_JAVA_OPTS", PRINT_COMPILATION);

        String out = obnam.ok("backup").stdout();

        assertThat(out).as("compilations printed").contains("java.lang.String::");
        assertThat(out).doesNotContain("StackMapGenerator::processBlock");
    }

    @Test
    void c2CompilesOnlyWhatItsDirectivesAllowWhichIncludeEveryMethodTheLauncherCompilesSooner() throws Exception {
        Path project = Obnam.projectDir();
        List<String> allowed = quoted(Files.readString(project.resolve("bin/obnam-c2-directives.json"))
                .split("c2: \\{ Exclude: false")[0]);
        String launcher = Files.readString(project.resolve("bin/obnam-launch"));
        String hurried = launcher.substring(launcher.indexOf("crypto_intrinsic_callers=("), launcher.indexOf("jit_opts=("));
        Obnam obnam = withLiveFile().withEnv("OBNAM_JAVA_OPTS", PRINT_COMPILATION);

        obnam.ok("backup");
        // A restore decrypts hundreds of throwaway blobs at its start to get the crypto compiled.
        String out = obnam.ok("restore", "latest", dir.resolve("restored").toString()).stdout();

        assertThat(allowed).contains("org.obnam.chunking.Chunker::*");
        List<String> hurriedMethods = List.of(hurried.replace("crypto_intrinsic_callers=(", " ").replace(")", " ")
                .trim().split("\\s+"));
        assertThat(hurriedMethods).as("the methods the launcher compiles sooner").hasSizeGreaterThan(5)
                .allMatch(allowed::contains);
        assertThat(out).as("compilations printed").contains("java.lang.String::");
        List<String> compiledByC2 = new ArrayList<>();
        Matcher c2 = C2_COMPILATION.matcher(out);
        while (c2.find()) {
            compiledByC2.add(c2.group(1));
        }
        assertThat(compiledByC2).as("methods compiled by C2").allMatch(m -> allowed.contains(m)
                || allowed.contains(m.substring(0, m.indexOf("::")) + "::*"));
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

    private static List<String> quoted(String text) {
        List<String> all = new ArrayList<>();
        Matcher m = QUOTED.matcher(text);
        while (m.find()) {
            all.add(m.group(1));
        }
        return all;
    }
}
