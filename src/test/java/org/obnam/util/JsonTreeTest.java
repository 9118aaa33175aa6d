package org.obnam.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * JsonTree against jackson-databind, which the client used before and the server still uses: the
 * same documents must read the same and be written back byte for byte the same.
 */
class JsonTreeTest {
    private static final ObjectMapper DATABIND = new ObjectMapper();
    private static final ObjectMapper DATABIND_ASCII = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    @Property(tries = 300)
    void anyDocumentIsWrittenBackAsDatabindWritesIt(@ForAll("documents") Object document) throws IOException {
        String text = DATABIND.writeValueAsString(document);
        JsonTree tree = JsonTree.parse(text);
        assertThat(tree.toString()).isEqualTo(DATABIND.readTree(text).toString());
        assertThat(tree.toAsciiString()).isEqualTo(DATABIND_ASCII.writeValueAsString(DATABIND.readTree(text)));
        assertThat(JsonTree.parse(tree.toString())).isEqualTo(tree);
        assertThat(new String(JsonTree.write(g -> JsonTree.writeValue(g, document)), StandardCharsets.UTF_8))
                .isEqualTo(text);
    }

    @Property(tries = 300)
    void prettyOutputIsDatabindsIndentedOutput(@ForAll("documents") Object document) throws IOException {
        String expected = DATABIND.writerWithDefaultPrettyPrinter().writeValueAsString(document);
        assertThat(new String(JsonTree.writePretty(g -> JsonTree.writeValue(g, document)), StandardCharsets.UTF_8))
                .isEqualTo(expected);
    }

    @Provide
    Arbitrary<Object> documents() {
        Arbitrary<Object> scalars = Arbitraries.oneOf(
                text().map(s -> (Object) s),
                Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(6).map(s -> (Object) s),
                Arbitraries.doubles().map(d -> (Object) d),
                Arbitraries.longs().map(l -> (Object) l),
                Arbitraries.integers().between(-5, 5).map(i -> (Object) (long) i),
                Arbitraries.bigIntegers().between(BigInteger.TWO.pow(70), BigInteger.TWO.pow(80)).map(b -> (Object) b),
                Arbitraries.of(true, false).map(b -> (Object) b),
                Arbitraries.just(null));
        return Arbitraries.recursive(() -> scalars, inner -> Arbitraries.oneOf(
                inner.list().ofMaxSize(4).map(l -> (Object) new ArrayList<>(l)),
                Arbitraries.maps(Arbitraries.strings().ofMaxLength(5), inner).ofMaxSize(4)
                        .map(m -> (Object) new LinkedHashMap<>(m))), 0, 4);
    }

    /** Valid UTF-16: ASCII, control characters, the rest of the BMP and characters beyond it (surrogate pairs). */
    private static Arbitrary<String> text() {
        Arbitrary<Integer> codePoints = Arbitraries.oneOf(Arbitraries.integers().between(0, 0x7f),
                Arbitraries.integers().between(0x80, 0xd7ff), Arbitraries.integers().between(0xe000, 0xffff),
                Arbitraries.integers().between(0x10000, 0x10ffff));
        return codePoints.list().ofMaxSize(8).map(cps -> {
            StringBuilder b = new StringBuilder();
            cps.forEach(b::appendCodePoint);
            return b.toString();
        });
    }

    @Property(tries = 500)
    void conversionsGiveWhatDatabindsGive(@ForAll("scalarTexts") String json) throws IOException {
        JsonTree t = JsonTree.parse(json);
        com.fasterxml.jackson.databind.JsonNode n = DATABIND.readTree(json);
        assertThat(t.asText()).as("asText of %s", json).isEqualTo(n.asText());
        assertThat(t.asText("dflt")).as("asText(dflt) of %s", json).isEqualTo(n.asText("dflt"));
        assertThat(t.asInt(-7)).as("asInt of %s", json).isEqualTo(n.asInt(-7));
        assertThat(t.asLong(-7)).as("asLong of %s", json).isEqualTo(n.asLong(-7));
        assertThat(t.asBoolean(true)).as("asBoolean(true) of %s", json).isEqualTo(n.asBoolean(true));
        assertThat(t.asBoolean(false)).as("asBoolean(false) of %s", json).isEqualTo(n.asBoolean(false));
        assertThat(t.isTextual()).isEqualTo(n.isTextual());
        assertThat(t.isLong()).as("isLong of %s", json).isEqualTo(n.isIntegralNumber() && n.canConvertToLong());
    }

    @Provide
    Arbitrary<String> scalarTexts() {
        Arbitrary<String> numbers = Arbitraries.oneOf(Arbitraries.longs().map(String::valueOf),
                Arbitraries.integers().map(String::valueOf), Arbitraries.doubles().map(String::valueOf),
                Arbitraries.bigIntegers().between(BigInteger.TWO.pow(62), BigInteger.TWO.pow(70)).map(String::valueOf),
                Arbitraries.of("0", "-0", "0.5", "-0.5", "1.5", "1e3", "4294967297", "2147483648", "-2147483649",
                        "9223372036854775807", "9223372036854775808", "1e400"));
        Arbitrary<String> strings = Arbitraries.oneOf(numbers, Arbitraries.of("", " 3 ", "x", "true", "false", "TRUE",
                "null", " 1.5", "0x10", "+4", "1_000")).map(s -> "\"" + s + "\"");
        return Arbitraries.oneOf(numbers, strings, Arbitraries.of("true", "false", "null", "{}", "[]", "[1]", "{\"a\":1}"));
    }

    @Test
    void pathAndItsConversionsGiveDefaultsForWhatIsNotThere() throws IOException {
        JsonTree t = JsonTree.parse("{\"a\":{\"b\":\"12\"},\"n\":7,\"big\":123456789012,\"t\":true,\"z\":null,\"s\":\"x\"}");
        assertThat(t.path("a").path("b").asInt()).isEqualTo(12);
        assertThat(t.path("n").asText()).isEqualTo("7");
        assertThat(t.path("big").asLong()).isEqualTo(123456789012L);
        assertThat(t.path("big").isLong()).isTrue();
        assertThat(t.path("s").isLong()).isFalse();
        assertThat(t.path("s").asInt(-1)).isEqualTo(-1);
        assertThat(t.path("t").asBoolean(false)).isTrue();
        assertThat(t.path("z").asText("none")).isEqualTo("none");
        assertThat(t.path("missing").path("deeper").isMissing()).isTrue();
        assertThat(t.path("missing").asText()).isEmpty();
        assertThat(t.path("missing").asLong(-1)).isEqualTo(-1);
        assertThat(t.path("a").asText()).isEmpty();
        assertThat(t.get("missing")).isNull();
        assertThat(t.path("n").path("x").isMissing()).isTrue();
        assertThat(t.properties().keySet()).containsExactly("a", "n", "big", "t", "z", "s");
    }

    @Test
    void arraysAndObjectsIterateOverTheirValues() throws IOException {
        JsonTree t = JsonTree.parse("{\"list\":[1,\"two\",[3]],\"map\":{\"x\":1,\"y\":2}}");
        List<String> listed = new ArrayList<>();
        t.path("list").forEach(e -> listed.add(e.toString()));
        assertThat(listed).containsExactly("1", "\"two\"", "[3]");
        assertThat(t.path("list").size()).isEqualTo(3);
        assertThat(t.path("list").get(1).asText()).isEqualTo("two");
        assertThat(t.path("list").get(3)).isNull();
        long sum = 0;
        for (JsonTree v : t.path("map")) {
            sum += v.asLong();
        }
        assertThat(sum).isEqualTo(3);
        assertThat(t.path("list").path("x").isMissing()).isTrue();
        assertThat(JsonTree.parse("[]").isEmpty()).isTrue();
    }

    @Test
    void aRepeatedNameKeepsItsLastValueInItsFirstPlaceAsDatabindDoes() throws IOException {
        String text = "{\"a\":1,\"b\":2,\"a\":3}";
        assertThat(JsonTree.parse(text).toString()).isEqualTo(DATABIND.readTree(text).toString()).isEqualTo("{\"a\":3,\"b\":2}");
    }

    @Test
    void whatIsNotJsonIsAnIoExceptionAndNothingIsAMissingNode() throws IOException {
        assertThatThrownBy(() -> JsonTree.parse("{\"a\":")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> JsonTree.parse("{\"a\" 1}")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> JsonTree.parse(new byte[] {(byte) 0xff, (byte) 0xfe, 1})).isInstanceOf(IOException.class);
        // A command shows the message as its one-line error.
        assertThatThrownBy(() -> JsonTree.parse("{\"a\":\n (")).isInstanceOf(IOException.class)
                .hasMessageStartingWith("Unexpected character ('('").hasMessageEndingWith("(line 2, column 2)")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> JsonTree.parse("[1,".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class).hasMessageNotContaining("\n");
        assertThat(JsonTree.parse(new byte[0]).isMissing()).isTrue();
        assertThat(JsonTree.parse("  ").isMissing()).isTrue();
        assertThat(JsonTree.missing().toString()).isEmpty();
    }

    @Test
    void numbersOfEveryJavaTypeAreWrittenAsDatabindWritesThem() throws IOException {
        List<Object> numbers = List.of((short) 3, (byte) -4, 0.1f, 1.5, new java.math.BigDecimal("0.10"), 7, 8L,
                BigInteger.TEN.pow(30));
        assertThat(new String(JsonTree.write(g -> JsonTree.writeValue(g, numbers)), StandardCharsets.UTF_8))
                .isEqualTo(DATABIND.writeValueAsString(numbers));
        assertThat(JsonTree.writeText(g -> g.writeString("\u00e9 \ud83d\ude00"))).isEqualTo("\"\u00e9 \ud83d\ude00\"");
    }

    @Test
    void typesJsonHasNoOneFormForAreRefused() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", java.nio.file.Path.of("/tmp/x"));
        assertThatThrownBy(() -> JsonTree.write(g -> JsonTree.writeValue(g, m)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sun.nio.fs.UnixPath");
        assertThatThrownBy(() -> JsonTree.write(g -> JsonTree.writeValue(g, new long[] {1})))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
