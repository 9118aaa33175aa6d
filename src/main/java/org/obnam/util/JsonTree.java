package org.obnam.util;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON document read into an immutable tree, and JSON written, with jackson-core's streaming
 * parser and generator: the client's records, object metadata and the server's answers.
 *
 * <p>Why not jackson-databind's {@code JsonNode}: the client's first {@code ObjectMapper} costs
 * 25 ms on the main thread of every command (its date formats load the JDK's locale data), a tenth
 * of an unchanged backup, and its 440 classes are an eighth of the client's AOT cache, all of it
 * resident. What it writes is byte for byte what databind wrote for the same values, and the
 * accessors follow {@code JsonNode}'s: {@link #path} gives a missing node instead of null, and
 * {@code asText}, {@code asInt}, {@code asLong} and {@code asBoolean} convert as databind's do or
 * give the default (JsonTreeTest checks both against databind).
 */
public final class JsonTree implements Iterable<JsonTree> {
    // Characters beyond the Basic Multilingual Plane as UTF-8, as databind's String output had them,
    // not as escaped halves of a surrogate pair.
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();
    private static final JsonFactory ASCII = JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
    private static final JsonTree MISSING = new JsonTree(Kind.MISSING, null);
    private static final JsonTree NULL = new JsonTree(Kind.NULL, null);
    private static final JsonTree TRUE = new JsonTree(Kind.BOOLEAN, Boolean.TRUE);
    private static final JsonTree FALSE = new JsonTree(Kind.BOOLEAN, Boolean.FALSE);

    private enum Kind { OBJECT, ARRAY, STRING, NUMBER, BOOLEAN, NULL, MISSING }

    private final Kind kind;
    private final Object value; // Map<String, JsonTree>, List<JsonTree>, String, Number or Boolean

    private JsonTree(Kind kind, Object value) {
        this.kind = kind;
        this.value = value;
    }

    /** The node that {@link #path} gives for what is not there. */
    public static JsonTree missing() {
        return MISSING;
    }

    /** Writes a document with a generator; JsonTree turns its IOException into an unchecked one. */
    @FunctionalInterface
    public interface Body {
        void write(JsonGenerator json) throws IOException;
    }

    /**
     * Parses one JSON value; empty input gives a missing node. IOException, for text that is not
     * JSON, says in one line what is wrong and where.
     */
    public static JsonTree parse(byte[] json) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            return read(p);
        } catch (JsonProcessingException e) {
            throw oneLine(e);
        }
    }

    public static JsonTree parse(String json) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            return read(p);
        } catch (JsonProcessingException e) {
            throw oneLine(e);
        }
    }

    /**
     * jackson's message puts the location on a second line, and the callers' messages end up as
     * a command's error, which is one line.
     */
    private static IOException oneLine(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        return new IOException(String.join(" ", e.getOriginalMessage().strip().lines().toList()) + where, e);
    }

    private static JsonTree read(JsonParser p) throws IOException {
        JsonToken first = p.nextToken();
        return first == null ? MISSING : value(p, first);
    }

    private static JsonTree value(JsonParser p, JsonToken token) throws IOException {
        return switch (token) {
            case START_OBJECT -> {
                Map<String, JsonTree> members = new LinkedHashMap<>();
                for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                    String name = p.currentName();
                    members.put(name, value(p, p.nextToken()));
                }
                yield new JsonTree(Kind.OBJECT, Collections.unmodifiableMap(members));
            }
            case START_ARRAY -> {
                List<JsonTree> elements = new ArrayList<>();
                for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                    elements.add(value(p, t));
                }
                yield new JsonTree(Kind.ARRAY, Collections.unmodifiableList(elements));
            }
            case VALUE_STRING -> new JsonTree(Kind.STRING, p.getText());
            case VALUE_NUMBER_INT -> new JsonTree(Kind.NUMBER, p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? p.getBigIntegerValue() : (Number) p.getLongValue());
            case VALUE_NUMBER_FLOAT -> new JsonTree(Kind.NUMBER, p.getDoubleValue());
            case VALUE_TRUE -> TRUE;
            case VALUE_FALSE -> FALSE;
            case VALUE_NULL -> NULL;
            default -> throw new IOException("unexpected JSON token " + token);
        };
    }

    /** A generator of compact JSON into {@code out}, which closing it closes. */
    public static JsonGenerator generator(OutputStream out) throws IOException {
        return FACTORY.createGenerator(out);
    }

    /** Compact JSON written by {@code body}, as UTF-8. */
    public static byte[] write(Body body) {
        return write(FACTORY, body, false);
    }

    /** JSON written by {@code body} and indented by two spaces, as UTF-8. */
    public static byte[] writePretty(Body body) {
        return write(FACTORY, body, true);
    }

    /** Compact JSON written by {@code body}. */
    public static String writeText(Body body) {
        return new String(write(body), StandardCharsets.UTF_8);
    }

    private static byte[] write(JsonFactory factory, Body body, boolean pretty) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = factory.createGenerator(out)) {
            if (pretty) {
                g.useDefaultPrettyPrinter();
            }
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory failed", e);
        }
        return out.toByteArray();
    }

    /**
     * Writes maps, collections, strings, numbers, booleans and null as JSON; IllegalArgumentException
     * for any other type, which JSON has no one obvious form for.
     */
    public static void writeValue(JsonGenerator g, Object value) throws IOException {
        switch (value) {
            case null -> g.writeNull();
            case JsonTree t -> t.writeTo(g);
            case String s -> g.writeString(s);
            case Boolean b -> g.writeBoolean(b);
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case Short n -> g.writeNumber(n);
            case Byte n -> g.writeNumber(n);
            case BigInteger b -> g.writeNumber(b);
            case Double d -> g.writeNumber(d);
            case Float f -> g.writeNumber(f);
            case BigDecimal d -> g.writeNumber(d);
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    g.writeFieldName(String.valueOf(e.getKey()));
                    writeValue(g, e.getValue());
                }
                g.writeEndObject();
            }
            case Collection<?> list -> { // not any Iterable: a Path iterates over its names, down to itself
                g.writeStartArray();
                for (Object o : list) {
                    writeValue(g, o);
                }
                g.writeEndArray();
            }
            default -> throw new IllegalArgumentException("cannot write a " + value.getClass().getName() + " as JSON");
        }
    }

    /** Writes this node as JSON. */
    public void writeTo(JsonGenerator g) throws IOException {
        switch (kind) {
            case OBJECT -> {
                g.writeStartObject();
                for (Map.Entry<String, JsonTree> e : properties().entrySet()) {
                    g.writeFieldName(e.getKey());
                    e.getValue().writeTo(g);
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonTree t : this) {
                    t.writeTo(g);
                }
                g.writeEndArray();
            }
            case STRING -> g.writeString((String) value);
            case NUMBER -> writeValue(g, value);
            case BOOLEAN -> g.writeBoolean((Boolean) value);
            case NULL -> g.writeNull();
            case MISSING -> throw new IllegalStateException("a missing JSON node cannot be written");
        }
    }

    /** The member {@code name} of an object; a missing node for anything else. */
    public JsonTree path(String name) {
        JsonTree t = get(name);
        return t == null ? MISSING : t;
    }

    /** The member {@code name} of an object, or null. */
    public JsonTree get(String name) {
        return kind == Kind.OBJECT ? properties().get(name) : null;
    }

    /** The {@code i}th element of an array, or null. */
    public JsonTree get(int i) {
        List<JsonTree> elements = elements();
        return i >= 0 && i < elements.size() ? elements.get(i) : null;
    }

    /** An object's members in document order; empty for anything else. */
    @SuppressWarnings("unchecked")
    public Map<String, JsonTree> properties() {
        return kind == Kind.OBJECT ? (Map<String, JsonTree>) value : Map.of();
    }

    @SuppressWarnings("unchecked")
    private List<JsonTree> elements() {
        return kind == Kind.ARRAY ? (List<JsonTree>) value : List.of();
    }

    /** An array's elements, or an object's member values. */
    @Override
    public Iterator<JsonTree> iterator() {
        return kind == Kind.OBJECT ? properties().values().iterator() : elements().iterator();
    }

    /** The number of an array's elements or an object's members; 0 for anything else. */
    public int size() {
        return kind == Kind.OBJECT ? properties().size() : elements().size();
    }

    public boolean isEmpty() {
        return size() == 0;
    }

    public boolean isObject() {
        return kind == Kind.OBJECT;
    }

    public boolean isArray() {
        return kind == Kind.ARRAY;
    }

    public boolean isTextual() {
        return kind == Kind.STRING;
    }

    public boolean isMissing() {
        return kind == Kind.MISSING;
    }

    /** An integer that fits a {@code long}. */
    public boolean isLong() {
        return value instanceof Long;
    }

    /** A string as it is, a number, boolean or null as text; "" for objects, arrays and missing nodes. */
    public String asText() {
        return switch (kind) {
            case STRING, NUMBER, BOOLEAN -> value.toString();
            case NULL -> "null";
            default -> "";
        };
    }

    /** As {@link #asText()}, but {@code otherwise} for null and missing nodes. */
    public String asText(String otherwise) {
        return kind == Kind.NULL || kind == Kind.MISSING ? otherwise : asText();
    }

    public int asInt() {
        return asInt(0);
    }

    /** A number (cut to an int), a string holding one (as databind reads it), or {@code otherwise}. */
    public int asInt(int otherwise) {
        return switch (kind) {
            case STRING -> (int) parse((String) value, Integer.MIN_VALUE, Integer.MAX_VALUE, otherwise);
            case NUMBER -> value instanceof Double d ? (int) d.doubleValue() : ((Number) value).intValue();
            default -> (int) asLong(otherwise);
        };
    }

    public long asLong() {
        return asLong(0);
    }

    /** A number (cut to a long), a string holding one (as databind reads it), or {@code otherwise}. */
    public long asLong(long otherwise) {
        return switch (kind) {
            case NUMBER -> ((Number) value).longValue();
            case STRING -> parse((String) value, Long.MIN_VALUE, Long.MAX_VALUE, otherwise);
            case BOOLEAN -> (Boolean) value ? 1 : 0;
            default -> otherwise;
        };
    }

    /**
     * A number in text as databind's {@code NumberInput.parseAsInt} and {@code parseAsLong} read it:
     * digits alone must fit {@code [min, max]}; anything else is read as a double and cut into it.
     */
    private static long parse(String text, long min, long max, long otherwise) {
        String s = text.trim();
        if (s.startsWith("+")) {
            s = s.substring(1);
        }
        if (s.isEmpty()) {
            return otherwise;
        }
        boolean digitsOnly = true;
        for (int i = s.charAt(0) == '-' ? 1 : 0; i < s.length() && digitsOnly; i++) {
            digitsOnly = s.charAt(i) >= '0' && s.charAt(i) <= '9';
        }
        try {
            if (digitsOnly) {
                long n = Long.parseLong(s);
                return n >= min && n <= max ? n : otherwise;
            }
            double d = Double.parseDouble(s);
            return Double.isNaN(d) ? 0 : d >= max ? max : d <= min ? min : (long) d;
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    /** A boolean, the strings "true" and "false", an integer (true unless 0), or {@code otherwise}. */
    public boolean asBoolean(boolean otherwise) {
        return switch (kind) {
            case BOOLEAN -> (Boolean) value;
            case STRING -> "true".equals(value) || (!"false".equals(value) && otherwise);
            case NUMBER -> switch (value) {
                case Long n -> n != 0;
                case BigInteger n -> n.signum() != 0;
                default -> otherwise;
            };
            default -> otherwise;
        };
    }

    /** Compact JSON; "" for a missing node. */
    @Override
    public String toString() {
        return kind == Kind.MISSING ? "" : writeText(this::writeTo);
    }

    /** Compact JSON with every character beyond ASCII escaped, as an HTTP header needs it. */
    public String toAsciiString() {
        return kind == Kind.MISSING ? "" : new String(write(ASCII, this::writeTo, false), StandardCharsets.US_ASCII);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JsonTree other && kind == other.kind && java.util.Objects.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + java.util.Objects.hashCode(value);
    }
}
