package org.obnam.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.obnam.testing.ExternalCommand.Result;
import org.obnam.testing.Manifest;
import org.obnam.testing.Obnam;
import org.obnam.testing.Python;
import org.obnam.testing.Tree;

/**
 * Rust Obnam's "Tricky filenames", widened: file names are byte strings (DESIGN section 3), so
 * names that are not UTF-8 back up, list and restore byte-identical whatever the locale.
 */
class ObnamFilenamesIT {
    private static final byte[] SINGLE_HIGH_BYTE = {(byte) 0x88};
    private static final byte[] LATIN1_CAFE = {'c', 'a', 'f', (byte) 0xe9};
    private static final byte[] NOT_UTF8 = {(byte) 0xff, (byte) 0xfe, 'x'};
    private static final byte[] DIR_NAME = {'d', (byte) 0xe9};
    private static final byte[] INNER_NAME = {'i', 'n', (byte) 0x80, 'e', 'r'};
    private static final byte[] LINK_NAME = {'l', (byte) 0xff};
    private static final byte[] NEWLINE = "new\nline".getBytes(StandardCharsets.UTF_8);
    private static final byte[] UTF8 = "plain_é_ß_日本".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private Tree live;

    @BeforeEach
    void setUp() {
        live = Tree.at(dir.resolve("live"));
        live.rawFile("", SINGLE_HIGH_BYTE, Tree.randomBytes(1000));
        live.rawFile("", LATIN1_CAFE, "latin-1".getBytes(StandardCharsets.UTF_8));
        live.rawFile("", NOT_UTF8, Tree.randomBytes(100));
        live.rawFile("", NEWLINE, "newline".getBytes(StandardCharsets.UTF_8));
        live.rawFile("", UTF8, "utf-8".getBytes(StandardCharsets.UTF_8));
        live.file("back\\slash and space", "odd but ASCII");
        live.rawDir("", DIR_NAME);
        live.rawDirDo("", d -> {
            try (var sub = d.openDir(org.obnam.fs.RawName.of(DIR_NAME))) {
                try (var f = sub.createFile(org.obnam.fs.RawName.of(INNER_NAME), 0644)) {
                    f.write(new byte[] {1, 2, 3}, 0, 3);
                }
            }
        });
        live.rawSymlink("", LINK_NAME, LATIN1_CAFE);
    }

    @ParameterizedTest(name = "LANG={0}")
    @ValueSource(strings = {"C", "C.UTF-8"})
    void namesThatAreNotUtf8BackUpListAndRestoreByteIdentical(String lang) {
        Obnam obnam = Obnam.in(dir).withEnv("LANG", lang);
        obnam.configure("roots: [live]");
        obnam.initialised();
        Manifest before = Manifest.of(live.root());

        String gen = obnam.backup().generationId();
        Result files = obnam.ok("list-files", gen);
        obnam.ok("restore", gen, "rest");

        for (byte[] line : List.of(
                line("-", "live/", SINGLE_HIGH_BYTE),
                line("-", "live/", LATIN1_CAFE),
                line("-", "live/", NOT_UTF8),
                line("-", "live/", NEWLINE),
                line("-", "live/", UTF8),
                line("d", "live/", DIR_NAME),
                line("-", "live/", concat(DIR_NAME, "/".getBytes(StandardCharsets.UTF_8), INNER_NAME)),
                line("l", "live/", LINK_NAME))) {
            assertThat(indexOf(files.stdoutBytes(), line)).as("list-files shows %s raw: %s",
                    Manifest.escape(line), files.describe()).isNotNegative();
        }
        assertThat(Manifest.of(dir.resolve("rest/live"))).isEqualTo(before);
        assertThat(Python.listNamesHex(dir.resolve("rest/live"))).isEqualTo(Python.listNamesHex(live.root()));
        assertThat(Python.listNamesHex(dir.resolve("rest/live")))
                .contains(HexFormat.of().formatHex(SINGLE_HIGH_BYTE), HexFormat.of().formatHex(NOT_UTF8));
    }

    @ParameterizedTest(name = "LANG={0}")
    @ValueSource(strings = {"C", "C.UTF-8"})
    void aRestoreDirectoryNamedInBytesThatAreNotUtf8GetsExactlyThatName(String lang) {
        Obnam obnam = Obnam.in(dir).withEnv("LANG", lang);
        obnam.configure("roots: [live]");
        obnam.initialised();
        Manifest before = Manifest.of(live.root());
        String gen = obnam.backup().generationId();

        // Both used to land in the same directory, named with U+FFFD.
        obnam.runInShell("restore " + gen + " $'r_\\xff'").expectSuccess();
        obnam.runInShell("restore " + gen + " $'r_\\xfe/inner'").expectSuccess();
        obnam.runInShell("restore " + gen + " $'r_caf\\xc3\\xa9'").expectSuccess();

        assertThat(Python.listNamesHex(dir)).contains("725fff", "725ffe", "725f636166c3a9")
                .doesNotContain("725fefbfbd");
        assertThat(Manifest.of(dir.resolve("r_café/live"))).isEqualTo(before);
        assertThat(Python.listNamesHex(dir.resolve("r_café/live"))).isEqualTo(Python.listNamesHex(live.root()));
    }

    private static byte[] line(String kind, String prefix, byte[] name) {
        return concat((kind + " " + prefix).getBytes(StandardCharsets.UTF_8), name,
                " (new)\n".getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
