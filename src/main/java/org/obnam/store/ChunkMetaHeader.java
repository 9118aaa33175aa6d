package org.obnam.store;

import java.io.IOException;
import org.obnam.util.JsonTree;

/**
 * The {@code Chunk-Meta} HTTP header: an object's metadata as JSON, with every non-ASCII character
 * escaped so that it survives as a header value. Shared by the server and {@link HttpStore}.
 */
public final class ChunkMetaHeader {
    public static final String NAME = "Chunk-Meta";

    private ChunkMetaHeader() {}

    public static String encode(ObjectMeta meta) {
        try {
            return JsonTree.parse(meta.json()).toAsciiString();
        } catch (IOException e) {
            throw new IllegalStateException("object metadata is not JSON", e);
        }
    }

    /** Parses a header value; IllegalArgumentException says what is wrong with it. */
    public static ObjectMeta decode(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("the " + NAME + " header is missing");
        }
        return ObjectMeta.parse(value);
    }
}
