package org.obnam.fuzz;

import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.obnam.config.ClientConfig;
import org.obnam.config.ConfigException;

/** Any text as a configuration file: read, or refused with a ConfigException naming the problem. */
class ConfigFuzzTest {
    @Property
    void anyConfigurationTextIsReadOrRefusedCleanly(@ForAll("yamlish") String text) throws Exception {
        Path f = Files.createTempFile("obnam-fuzz", ".yaml");
        try {
            Files.writeString(f, text);
            ClientConfig.read(f);
        } catch (ConfigException expected) {
            if (expected.getMessage() == null || expected.getMessage().isBlank()) {
                throw new AssertionError("error without a message");
            }
        } finally {
            Files.delete(f);
        }
    }

    @Provide
    Arbitrary<String> yamlish() {
        Arbitrary<String> keys = Arbitraries.of("server_url", "roots", "chunk_size", "verify_tls_cert", "compression",
                "exclude_cache_tag_directories", "log", "threads", "ca_cert", "access_token", "access_token_file", "bogus");
        Arbitrary<String> values = Arbitraries.of("/tmp/r", "https://h:1", "http://h", "[a, b]", "[]", "0", "-1", "1e9",
                "99999999999999999999", "true", "maybe", "zstd:3", "zstd:99", "none", "~/x", "\"\"", "{a: b}", "&a [*a, *a]",
                "!!binary aGVsbG8=", "'unterminated", "- item", "|\n  block", "null", "file:///x", "ftp://x");
        Arbitrary<String> line = net.jqwik.api.Combinators.combine(keys, values).as((k, v) -> k + ": " + v);
        return Arbitraries.oneOf(line.list().ofMaxSize(8).map(l -> String.join("\n", l)),
                Arbitraries.strings().ofMaxLength(200));
    }
}
