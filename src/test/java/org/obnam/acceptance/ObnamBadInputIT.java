package org.obnam.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.ExternalCommand.Result;
import org.obnam.testing.Obnam;
import org.obnam.testing.Tree;

/**
 * Bad input gets one line that names the thing and says what is wrong with it, and a non-zero
 * exit: never a bare path ({@code obnam: /x}), never a problem without its file
 * ({@code obnam: Is a directory}), never a hang.
 */
class ObnamBadInputIT {
    private static final String META = "{\"label\":\"x\"}";

    @TempDir
    Path dir;

    private Obnam obnam;

    @BeforeEach
    void setUp() {
        obnam = Obnam.in(dir);
    }

    @Test
    void outputThatCannotBeWrittenFailsTheCommandButAReaderThatLeftDoesNot() throws Exception {
        obnam.configure("roots: [live]");
        obnam.initialised();
        Files.createDirectories(dir.resolve("live"));
        for (int i = 0; i < 20_000; i++) { // a listing of about 1 MB: more than a pipe holds
            Files.writeString(dir.resolve("live").resolve("file-with-a-longish-name-" + i), "x");
        }
        String gen = obnam.backup().generationId();

        Result full = obnam.runInShell("list-files " + gen + " >/dev/full");
        full.expectExit(1);
        assertThat(full.stderr()).as(full.describe()).contains("obnam: cannot write standard output: No space left on device")
                .doesNotContain("Exception");

        // The reader of the pipe goes after one byte: the rest is dropped, quietly, whatever
        // language the C library words "broken pipe" in (where its translations are installed).
        Result gone = obnam.withEnv("LANGUAGE", "de").runInShell("list-files " + gen + " | head -c 1 >/dev/null; exit ${PIPESTATUS[0]}");
        gone.expectExit(0);
        assertThat(gone.stderr()).as(gone.describe()).isEmpty();
    }

    @Test
    void initRefusesARepositoryPathThatIsAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("afile"), "not a repository");
        obnam.configureExactly("server_url: " + file + "\nroots: [live]\n");

        Result r = obnam.run("init", "--insecure-passphrase=pw");

        r.expectExit(1);
        assertOneLine(r, "obnam: cannot create a repository in " + file + ": it exists and is not a directory");
    }

    @Test
    void initRefusesARepositoryPathBelowAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("afile"), "not a repository");
        obnam.configureExactly("server_url: " + file.resolve("repo") + "\nroots: [live]\n");

        Result r = obnam.run("init", "--insecure-passphrase=pw");

        r.expectExit(1);
        assertOneLine(r, "obnam: cannot create a repository in " + file.resolve("repo") + ": " + file
                + " is not a directory");
    }

    @Test
    void encryptChunkNamesAMissingOrUnwritableFileAndSaysWhy() throws Exception {
        obnam.configure("roots: [live]");
        obnam.initialised();
        Files.writeString(dir.resolve("plain"), "hello");

        Result missingIn = obnam.run("encrypt-chunk", "missing", "out", META);
        Result dirIn = obnam.run("encrypt-chunk", dir.toString(), "out", META);
        Result missingOutDir = obnam.run("encrypt-chunk", "plain", "no-such-dir/out", META);
        Result dirOut = obnam.run("encrypt-chunk", "plain", dir.toString(), META);

        missingIn.expectExit(1);
        assertOneLine(missingIn, "obnam: cannot read missing: no such file or directory");
        dirIn.expectExit(1);
        assertOneLine(dirIn, "obnam: cannot read " + dir + ": is a directory");
        missingOutDir.expectExit(1);
        assertOneLine(missingOutDir, "obnam: cannot write no-such-dir/out: no such file or directory");
        dirOut.expectExit(1);
        assertOneLine(dirOut, "obnam: cannot write " + dir + ": is a directory");
    }

    @Test
    void decryptChunkNamesAMissingFileAndSaysWhy() {
        obnam.configure("roots: [live]");
        obnam.initialised();

        Result r = obnam.run("decrypt-chunk", "missing", "out", META);

        r.expectExit(1);
        assertOneLine(r, "obnam: cannot read missing: no such file or directory");
    }

    @Test
    void chunkifyNamesAMissingFileOrADirectoryAndSaysWhy() {
        obnam.configure("roots: [live]");

        Result missing = obnam.run("chunkify", "missing");
        Result directory = obnam.run("chunkify", dir.toString());

        missing.expectExit(1);
        assertOneLine(missing, "obnam: cannot read missing: no such file or directory");
        directory.expectExit(1);
        assertOneLine(directory, "obnam: cannot read " + dir + ": is a directory");

        // A file that fails after others were chunked must not leave a list that reads as whole.
        Tree.at(dir.resolve("live")).file("ok.txt", "fine");
        Result partly = obnam.run("chunkify", "live/ok.txt", "missing");
        partly.expectExit(1);
        assertThat(partly.stdout().strip()).as(partly.describe()).doesNotEndWith("]");
    }

    @Test
    void chunkifyRefusesANamedPipeInsteadOfWaitingForAWriter() {
        obnam.configure("roots: [live]");
        Tree.at(dir).fifo("pipe");

        Result r = obnam.run("chunkify", "pipe"); // the old code waited here until the test's timeout

        r.expectExit(1);
        assertOneLine(r, "obnam: cannot read pipe: is a named pipe (FIFO), not a regular file");
    }

    @Test
    void duplicateConfigurationKeyIsNamedWithItsLine() {
        obnam.configure("""
                roots: [live]
                roots: [other]
                """);

        Result r = obnam.run("config");

        r.expectExit(1);
        assertOneLine(r, "obnam: configuration file " + obnam.configFile()
                + " is not valid YAML: found duplicate key roots at line 3, column 1");
    }

    @Test
    void emptyGenerationIsAUsageErrorEvenWithOneGeneration() {
        obnam.configure("roots: [live]");
        obnam.initialised();
        Tree.at(dir.resolve("live")).file("data.dat", "x");
        obnam.backup();
        String expected = "obnam: the generation must not be empty: give latest, a generation id, or the start of one"
                + " (see obnam list)";

        Result restore = obnam.run("restore", "", "restored");
        restore.expectExit(2);
        assertOneLine(restore, expected);
        assertThat(dir.resolve("restored")).as("nothing may be restored").doesNotExist();
        for (List<String> command : List.of(List.of("resolve", ""), List.of("list-files", ""),
                List.of("show-generation", ""), List.of("gen-info", ""), List.of("inspect", ""))) {
            Result r = obnam.run(command.toArray(String[]::new));
            r.expectExit(2);
            assertOneLine(r, expected);
        }
    }

    @Test
    void threadCountsOutOfRangeAreUsageErrorsNamingTheValue() {
        obnam.configure("roots: [live]");
        obnam.initialised();
        Tree.at(dir.resolve("live")).file("data.dat", "x");

        Result none = obnam.run("backup", "--threads", "0");
        none.expectExit(2);
        assertOneLine(none, "obnam: --threads must be between 1 and 1024, not 0 (see obnam backup --help)");
        assertThat(obnam.run("list").stdout()).as("no generation may be made").isBlank();

        obnam.backup();
        Result many = obnam.run("restore", "--threads", "2000", "latest", "restored");
        many.expectExit(2);
        assertOneLine(many, "obnam: --threads must be between 1 and 1024, not 2000 (see obnam restore --help)");
        assertThat(dir.resolve("restored")).as("nothing may be restored").doesNotExist();
    }

    private static void assertOneLine(Result r, String expected) {
        assertThat(r.stderr().lines().filter(l -> !l.isBlank()).toList()).as(r.describe()).containsExactly(expected);
    }
}
