package org.obnam.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.obnam.util.IoErrors;
import org.snakeyaml.engine.v2.exceptions.DuplicateKeyException;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * A YAML mapping read from a configuration file, with typed accessors whose errors name the file
 * and key. Shared by the client and server configurations.
 */
public final class YamlMap {
    private final Path file;
    private final Map<?, ?> map;

    private YamlMap(Path file, Map<?, ?> map) {
        this.file = file;
        this.map = map;
    }

    /** Reads {@code file}; only the keys in {@code known} are allowed. */
    public static YamlMap read(Path file, Set<String> known) throws ConfigException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (NoSuchFileException e) {
            throw new ConfigException("configuration file " + file + " does not exist");
        } catch (CharacterCodingException e) {
            throw new ConfigException("configuration file " + file + " is not valid UTF-8");
        } catch (IOException e) {
            throw new ConfigException("cannot read configuration file " + file + ": " + IoErrors.describe(e, file));
        }
        Object root;
        try {
            LoadSettings settings = LoadSettings.builder().setLabel(file.toString()).setAllowDuplicateKeys(false)
                    .setMaxAliasesForCollections(10).build();
            root = new Load(settings).loadFromString(text);
        } catch (YamlEngineException e) {
            throw new ConfigException("configuration file " + file + " is not valid YAML: " + syntaxError(e));
        }
        if (root == null) {
            root = Map.of();
        }
        if (!(root instanceof Map<?, ?> m)) {
            throw new ConfigException("configuration file " + file + " must be a YAML mapping of keys to values");
        }
        Set<String> unknown = new TreeSet<>();
        for (Object key : m.keySet()) {
            if (!(key instanceof String k) || !known.contains(k)) {
                unknown.add(String.valueOf(key));
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException("configuration file " + file + " has unknown key"
                    + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + " (known keys: " + String.join(", ", new TreeSet<>(known)) + ")");
        }
        return new YamlMap(file, m);
    }

    /**
     * A YAML syntax error in one line, with where it is: {@code found duplicate key roots at line
     * 3, column 1}. The parser's own message spans several lines and quotes the text; its first
     * line is often only the context ("while constructing a mapping"), which says nothing useful.
     * The context is kept when it points to another line, as the opening bracket of an unclosed
     * list does (for a duplicate key it is only the start of the mapping).
     */
    static String syntaxError(YamlEngineException e) {
        if (!(e instanceof MarkedYamlEngineException m) || m.getProblemMark().isEmpty()) {
            String text = e.getMessage() == null ? "" : e.getMessage().strip();
            return text.isEmpty() ? e.getClass().getSimpleName() : oneLine(text.lines().findFirst().orElse(""));
        }
        String problem = oneLine(m.getProblem());
        if (problem.isEmpty()) {
            problem = "syntax error";
        }
        String hint = "";
        if (problem.contains("(TAB)")) {
            problem = "found a tab character";
            hint = " (YAML does not allow tabs for indentation: indent with spaces)";
        }
        StringBuilder b = new StringBuilder(problem).append(" at ").append(where(m.getProblemMark().get()));
        String context = m.getContext() == null ? "" : oneLine(m.getContext());
        if (!(m instanceof DuplicateKeyException) && !context.isEmpty() && m.getContextMark().isPresent()
                && m.getContextMark().get().getLine() != m.getProblemMark().get().getLine()) {
            b.append(" (").append(context).append(" at ").append(where(m.getContextMark().get())).append(')');
        }
        return b.append(hint).toString();
    }

    private static String where(Mark mark) {
        return "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s+", " ");
    }

    public Path file() {
        return file;
    }

    public boolean has(String key) {
        return map.get(key) != null;
    }

    public Optional<String> string(String key) throws ConfigException {
        Object v = map.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof String s) {
            return Optional.of(s);
        }
        if (v instanceof Number || v instanceof Boolean) {
            return Optional.of(v.toString());
        }
        throw error(key, "must be a string");
    }

    public String requiredString(String key) throws ConfigException {
        return string(key).filter(s -> !s.isBlank())
                .orElseThrow(() -> new ConfigException("configuration file " + file + " must set " + key));
    }

    public Optional<Boolean> bool(String key) throws ConfigException {
        Object v = map.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Boolean b) {
            return Optional.of(b);
        }
        throw error(key, "must be true or false");
    }

    public Optional<Long> integer(String key, long min, long max) throws ConfigException {
        Object v = map.get(key);
        if (v == null) {
            return Optional.empty();
        }
        long n;
        if (v instanceof Integer || v instanceof Long || v instanceof java.math.BigInteger) {
            try {
                n = new java.math.BigInteger(v.toString()).longValueExact();
            } catch (ArithmeticException e) {
                throw error(key, "must be between " + min + " and " + max);
            }
        } else {
            throw error(key, "must be a whole number");
        }
        if (n < min || n > max) {
            throw error(key, "must be between " + min + " and " + max + ", not " + n);
        }
        return Optional.of(n);
    }

    public Optional<List<String>> stringList(String key) throws ConfigException {
        Object v = map.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof String s) {
            return Optional.of(List.of(s));
        }
        if (!(v instanceof List<?> list)) {
            throw error(key, "must be a list of strings");
        }
        List<String> result = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String s)) {
                throw error(key, "must be a list of strings");
            }
            result.add(s);
        }
        return Optional.of(result);
    }

    public ConfigException error(String key, String problem) {
        return new ConfigException("configuration file " + file + ": " + key + " " + problem);
    }

    /** Expands a leading {@code ~} or {@code ~/} to the user's home directory. */
    public static String expandTilde(String path) {
        if (path.equals("~") || path.startsWith("~/")) {
            String home = System.getenv("HOME");
            if (home == null || home.isEmpty()) {
                home = System.getProperty("user.home");
            }
            return home + path.substring(1);
        }
        return path;
    }
}
