package org.obnam.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sets up logging to stderr from {@code OBNAM_SERVER_LOG}, before anything logs. The value is a
 * level ({@code error}, {@code warn}, {@code info}, {@code debug}, {@code trace}, {@code off}) or a
 * comma-separated filter in the style of Rust's env_logger, such as {@code info,jetty=warn} or
 * {@code warn,obnam=debug}. Unset: warnings and errors only. A bare level does not turn on Jetty's
 * debug output, which is huge; name it ({@code jetty=debug}) to get that.
 */
final class ServerLog {
    static final String VARIABLE = "OBNAM_SERVER_LOG";
    private static final List<String> LEVELS = List.of("off", "error", "warn", "info", "debug", "trace");
    private static final Map<String, String> TARGETS = Map.of(
            "obnam", "org.obnam",
            "obnam_server", "org.obnam",
            "obnam-server", "org.obnam",
            "jetty", "org.eclipse.jetty");

    private ServerLog() {}

    /** Configures logging; returns complaints about parts of the value that were ignored. */
    static List<String> configure(String spec) {
        List<String> problems = new ArrayList<>();
        String root = "warn";
        String jetty = null;
        List<String[]> targets = new ArrayList<>();
        if (spec != null) {
            for (String part : spec.split(",")) {
                String p = part.strip().toLowerCase(Locale.ROOT);
                if (p.isEmpty()) {
                    continue;
                }
                int eq = p.indexOf('=');
                String target = eq < 0 ? null : p.substring(0, eq).strip();
                String level = eq < 0 ? p : p.substring(eq + 1).strip();
                if (level.equals("warning")) {
                    level = "warn";
                }
                if (!LEVELS.contains(level) || (target != null && target.isEmpty())) {
                    problems.add(VARIABLE + ": ignoring \"" + part.strip() + "\": use a level (" + String.join(", ", LEVELS)
                            + ") or TARGET=LEVEL");
                    continue;
                }
                if (target == null) {
                    root = level;
                } else {
                    String logger = TARGETS.getOrDefault(target, target.replace("::", "."));
                    if (logger.equals("org.eclipse.jetty")) {
                        jetty = level;
                    } else {
                        targets.add(new String[] {logger, level});
                    }
                }
            }
        }
        if (jetty == null) {
            jetty = LEVELS.indexOf(root) > LEVELS.indexOf("info") ? "info" : root;
        }
        set("ROOT", root);
        set("org.eclipse.jetty", jetty);
        for (String[] t : targets) {
            set(t[0], t[1]);
        }
        return problems;
    }

    private static void set(String logger, String level) {
        System.setProperty(logger + ".LEVEL", level.toUpperCase(Locale.ROOT));
    }
}
