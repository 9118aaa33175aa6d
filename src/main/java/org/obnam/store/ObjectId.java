package org.obnam.store;

import java.util.HexFormat;
import java.util.regex.Pattern;
import org.obnam.util.SystemRandom;

/**
 * The identifier a store gives an object. Opaque to clients; restricted to a safe alphabet so an
 * id can never name a path outside the store (ids come from the network).
 */
public record ObjectId(String value) {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");

    public ObjectId {
        if (!isValid(value)) {
            throw new IllegalArgumentException("invalid object id: " + value);
        }
    }

    public static boolean isValid(String value) {
        return value != null && VALID.matcher(value).matches();
    }

    /** A new random id: 128 bits, lower-case hex. */
    public static ObjectId random() {
        byte[] bytes = new byte[16];
        SystemRandom.fill(bytes);
        return new ObjectId(HexFormat.of().formatHex(bytes));
    }

    @Override
    public String toString() {
        return value;
    }
}
