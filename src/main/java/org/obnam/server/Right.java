package org.obnam.server;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** What an access token may do in its client's namespace. */
public enum Right {
    /** Fetch chunks and records, search labels, list objects. */
    READ,
    /** Upload chunks and update records. */
    APPEND,
    /** Delete chunks. Backups need only read and append; pruning needs delete. */
    DELETE;

    public static final Set<Right> DEFAULT = EnumSet.of(READ, APPEND);

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a comma-separated list such as {@code read,append}; the message names a bad entry. */
    public static Set<Right> parseList(String text) {
        Set<Right> rights = EnumSet.noneOf(Right.class);
        for (String part : text.split(",", -1)) {
            String p = part.strip();
            rights.add(parse(p));
        }
        return rights;
    }

    public static Right parse(String text) {
        for (Right r : values()) {
            if (r.label().equals(text.toLowerCase(Locale.ROOT))) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown right \"" + text + "\": use read, append or delete");
    }

    public static String format(Set<Right> rights) {
        return rights.stream().sorted().map(Right::label).collect(Collectors.joining(","));
    }
}
