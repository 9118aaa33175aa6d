package org.obnam.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A YAML mistake is reported in one line that says what is wrong and where (user guide, section 13). */
class YamlMapTest {
    private static final Set<String> KEYS = Set.of("server_url", "roots", "chunk_size");

    @TempDir
    Path dir;

    private String errorFor(String yaml) throws Exception {
        Path f = dir.resolve("obnam.yaml");
        Files.writeString(f, yaml);
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> YamlMap.read(f, KEYS));
        assertThat(e).as("no error for " + yaml).isNotNull();
        assertThat(e.getMessage()).as("one line").doesNotContain("\n").doesNotContain("\r")
                .startsWith("configuration file " + f + " is not valid YAML: ");
        return e.getMessage().substring(("configuration file " + f + " is not valid YAML: ").length());
    }

    @Test
    void duplicateKeyIsNamedWithItsLineAndColumn() throws Exception {
        String problem = errorFor("""
                server_url: /srv/repo
                roots: [live]
                roots: [other]
                """);

        assertThat(problem).isEqualTo("found duplicate key roots at line 3, column 1");
    }

    @Test
    void badIndentationSaysWhere() throws Exception {
        String problem = errorFor("""
                server_url: /srv/repo
                  roots: [live]
                """);

        assertThat(problem).isEqualTo("mapping values are not allowed here at line 2, column 8");
    }

    @Test
    void tabIndentationIsExplained() throws Exception {
        String problem = errorFor("server_url: /srv/repo\nroots:\n\t- live\n");

        assertThat(problem).isEqualTo("found a tab character at line 3, column 1"
                + " (YAML does not allow tabs for indentation: indent with spaces)");
    }

    @Test
    void unclosedQuoteSaysWhereItStarted() throws Exception {
        String problem = errorFor("""
                server_url: "/srv/repo
                roots: [live]
                """);

        assertThat(problem).isEqualTo("found unexpected end of stream at line 3, column 1"
                + " (while scanning a quoted scalar at line 1, column 13)");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "unclosed list     | roots: [live\\nchunk_size: {\\n",
        "unclosed mapping  | chunk_size: {a: 1\\n",
        "two documents     | roots: [a]\\n---\\nroots: [b]\\n",
        "undefined alias   | roots: *nope\\n",
        "colon in a value  | server_url: a: b\\n",
        "sequence then key | - live\\nroots: [a]\\n",
    })
    void everySyntaxErrorGivesALineAndColumn(String what, String yaml) throws Exception {
        String problem = errorFor(yaml.replace("\\n", "\n"));

        assertThat(problem).as(what).matches(".+ at line \\d+, column \\d+.*");
    }
}
