package org.obnam.cli;

import java.nio.charset.StandardCharsets;
import org.obnam.util.JsonTree;

/** JSON output for commands. */
final class Json {
    private Json() {}

    /** Maps, lists, strings, numbers and booleans as JSON indented by two spaces. */
    static String pretty(Object value) {
        return new String(JsonTree.writePretty(g -> JsonTree.writeValue(g, value)), StandardCharsets.UTF_8);
    }
}
