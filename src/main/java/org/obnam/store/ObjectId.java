package org.obnam.store;

import java.util.HexFormat;
import org.obnam.util.SystemRandom;

/**
 * The identifier a store gives an object. Opaque to clients; restricted to a safe alphabet so an
 * id can never name a path outside the store (ids come from the network).
 */
public record ObjectId(String value) {
    public ObjectId {
        if (!isValid(value)) {
            throw new IllegalArgumentException("invalid object id: " + value);
        }
    }

    /**
     * [A-Za-z0-9][A-Za-z0-9_-]{0,127}; a loop, not a regular expression: every chunk reference a
     * restore or check reads makes an id, and the regular expression took a fifth of a check's
     * samples once the JIT compiled it with C1 only.
     */
    public static boolean isValid(String value) {
        if (value == null || value.isEmpty() || value.length() > 128) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || (i > 0 && (c == '_' || c == '-'));
            if (!ok) {
                return false;
            }
        }
        return true;
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
