package org.obnam.store;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.obnam.util.JsonTree;

/**
 * An object's metadata, Rust Obnam's {@code Chunk-Meta}: a JSON object naming the chunk label the
 * object holds ({@code {"label": "L"}}), or for a pack the labels of all its chunks and their
 * lengths in body order ({@code {"labels": ["A","B"], "lengths": [10, 20]}}). Other fields are kept
 * as given and returned unchanged.
 */
public final class ObjectMeta {
    /** Packs list at most this many chunks, so that the metadata fits an HTTP header. */
    public static final int MAX_LABELS = 512;

    private final String json;
    private final List<String> labels;
    private final long[] lengths; // null: one label covering the whole body

    private ObjectMeta(String json, List<String> labels, long[] lengths) {
        this.json = json;
        this.labels = List.copyOf(labels);
        this.lengths = lengths;
    }

    public static ObjectMeta single(String label) {
        checkLabel(label);
        String json = JsonTree.writeText(g -> {
            g.writeStartObject();
            g.writeStringField("label", label);
            g.writeEndObject();
        });
        return new ObjectMeta(json, List.of(label), null);
    }

    public static ObjectMeta pack(List<String> labels, List<Long> lengths) {
        if (labels.isEmpty() || labels.size() != lengths.size() || labels.size() > MAX_LABELS) {
            throw new IllegalArgumentException("a pack needs 1 to " + MAX_LABELS + " labels, each with a length");
        }
        long[] lens = new long[lengths.size()];
        for (int i = 0; i < labels.size(); i++) {
            checkLabel(labels.get(i));
            if (lengths.get(i) < 0) {
                throw new IllegalArgumentException("negative chunk length in pack");
            }
            lens[i] = lengths.get(i);
        }
        String[] names = labels.toArray(String[]::new);
        String json = JsonTree.writeText(g -> {
            g.writeStartObject();
            g.writeFieldName("labels");
            g.writeArray(names, 0, names.length);
            g.writeFieldName("lengths");
            g.writeArray(lens, 0, lens.length);
            g.writeEndObject();
        });
        return new ObjectMeta(json, labels, lens);
    }

    /** Parses and validates metadata from JSON text; IllegalArgumentException names what is wrong. */
    public static ObjectMeta parse(String text) {
        JsonTree node;
        try {
            node = JsonTree.parse(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("chunk metadata is not valid JSON");
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("chunk metadata must be a JSON object");
        }
        JsonTree label = node.get("label");
        JsonTree labelList = node.get("labels");
        if (label != null && labelList != null) {
            throw new IllegalArgumentException("chunk metadata has both \"label\" and \"labels\"");
        }
        if (label != null) {
            if (!label.isTextual()) {
                throw new IllegalArgumentException("chunk metadata \"label\" must be a string");
            }
            checkLabel(label.asText());
            return new ObjectMeta(node.toString(), List.of(label.asText()), null);
        }
        if (labelList == null || !labelList.isArray() || labelList.isEmpty() || labelList.size() > MAX_LABELS) {
            throw new IllegalArgumentException(
                    "chunk metadata needs \"label\" (a string) or \"labels\" (1 to " + MAX_LABELS + " strings)");
        }
        JsonTree lengthList = node.get("lengths");
        if (lengthList == null || !lengthList.isArray() || lengthList.size() != labelList.size()) {
            throw new IllegalArgumentException("chunk metadata \"lengths\" must list one length per label");
        }
        List<String> labels = new ArrayList<>(labelList.size());
        long[] lengths = new long[labelList.size()];
        for (int i = 0; i < labelList.size(); i++) {
            JsonTree l = labelList.get(i);
            JsonTree n = lengthList.get(i);
            if (!l.isTextual()) {
                throw new IllegalArgumentException("chunk metadata labels must be strings");
            }
            if (!n.isLong() || n.asLong() < 0) {
                throw new IllegalArgumentException("chunk metadata lengths must be non-negative integers");
            }
            checkLabel(l.asText());
            labels.add(l.asText());
            lengths[i] = n.asLong();
        }
        return new ObjectMeta(node.toString(), labels, lengths);
    }

    private static void checkLabel(String label) {
        if (!isValidLabel(label)) {
            throw new IllegalArgumentException("invalid chunk label: 1 to 128 characters of [A-Za-z0-9._:+=-] expected");
        }
    }

    /** 1 to 128 characters of [A-Za-z0-9._:+=-]; a loop, not a regular expression: every label of every pack passes here. */
    static boolean isValidLabel(String label) {
        if (label == null || label.isEmpty() || label.length() > 128) {
            return false;
        }
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '+' || c == '=' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    public String json() {
        return json;
    }

    public List<String> labels() {
        return labels;
    }

    /**
     * Where each label lies in a body of {@code bodyLength} bytes; IllegalArgumentException when
     * the lengths do not fit the body.
     */
    public List<LabelRange> ranges(long bodyLength) {
        if (lengths == null) {
            return List.of(new LabelRange(labels.getFirst(), 0, bodyLength));
        }
        List<LabelRange> ranges = new ArrayList<>(labels.size());
        long offset = 0;
        for (int i = 0; i < labels.size(); i++) {
            // Compared before adding: lengths near Long.MAX_VALUE made the sum wrap to a negative
            // number that passed the check, and the label index took offsets beyond the body.
            if (lengths[i] > bodyLength - offset) {
                throw new IllegalArgumentException("chunk metadata lengths add up to more than the body's "
                        + bodyLength + " bytes");
            }
            ranges.add(new LabelRange(labels.get(i), offset, lengths[i]));
            offset += lengths[i];
        }
        return ranges;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ObjectMeta other && json.equals(other.json);
    }

    @Override
    public int hashCode() {
        return json.hashCode();
    }

    @Override
    public String toString() {
        return json;
    }
}
