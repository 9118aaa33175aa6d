package org.obnam.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.obnam.util.IoErrors;

/**
 * The client's configuration file, validated as a whole before any command runs. Keys are those of
 * DESIGN section 5; an unknown key is an error that names it.
 */
public record ClientConfig(
        Path file,
        RepositoryLocation repository,
        List<String> roots,
        boolean verifyTlsCert,
        Optional<Path> caCert,
        Optional<String> accessToken,
        int chunkSize,
        boolean excludeCacheTagDirectories,
        Optional<Path> log,
        Compression compression,
        Optional<Integer> threads,
        List<String> warnings) {

    public static final int DEFAULT_CHUNK_SIZE = 4 << 20;
    public static final int MAX_CHUNK_SIZE = 64 << 20;
    public static final Set<String> KEYS = Set.of("server_url", "roots", "verify_tls_cert", "ca_cert", "access_token",
            "access_token_file", "chunk_size", "exclude_cache_tag_directories", "log", "compression", "threads");

    /** The default location: {@code ~/.config/obnam/obnam.yaml} (or under {@code $XDG_CONFIG_HOME}). */
    public static Path defaultFile() {
        return configDirectory().resolve("obnam.yaml");
    }

    /** {@code $XDG_CONFIG_HOME/obnam} or {@code ~/.config/obnam}. */
    public static Path configDirectory() {
        String xdg = System.getenv("XDG_CONFIG_HOME");
        if (xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "obnam");
        }
        return Path.of(YamlMap.expandTilde("~"), ".config", "obnam");
    }

    public static ClientConfig read(Path file) throws ConfigException {
        YamlMap y = YamlMap.read(file, KEYS);
        RepositoryLocation repository;
        try {
            repository = RepositoryLocation.parse(y.requiredString("server_url"));
        } catch (IllegalArgumentException e) {
            throw y.error("server_url", e.getMessage());
        }
        List<String> roots = y.stringList("roots").orElse(List.of()).stream().map(YamlMap::expandTilde).toList();
        if (roots.isEmpty()) {
            throw new ConfigException("configuration file " + file + " must list at least one directory in roots");
        }
        for (String r : roots) {
            if (r.isEmpty() || r.indexOf('\0') >= 0) {
                throw y.error("roots", "must not contain empty names");
            }
        }
        boolean verify = y.bool("verify_tls_cert").orElse(true);
        Optional<Path> ca = y.string("ca_cert").map(s -> Path.of(YamlMap.expandTilde(s)).toAbsolutePath());
        if (ca.isPresent() && !Files.isReadable(ca.get())) {
            throw y.error("ca_cert", "names " + ca.get() + ", which does not exist or cannot be read");
        }
        if (ca.isPresent() && !Files.isRegularFile(ca.get())) {
            throw y.error("ca_cert", "names " + ca.get() + ", which is not a file: give the PEM file of the server's"
                    + " certificate or of its CA");
        }
        if (y.has("access_token") && y.has("access_token_file")) {
            throw new ConfigException("configuration file " + file + " sets both access_token and access_token_file: use one");
        }
        Optional<String> token = y.string("access_token");
        Optional<String> tokenFile = y.string("access_token_file");
        if (tokenFile.isPresent()) {
            Path p = Path.of(YamlMap.expandTilde(tokenFile.get()));
            try {
                token = Optional.of(Files.readString(p, StandardCharsets.UTF_8).strip());
            } catch (IOException e) {
                throw y.error("access_token_file", "names " + p + ", which cannot be read: " + IoErrors.describe(e, p));
            }
        }
        if (token.isPresent() && !token.get().matches("[\\x21-\\x7e]{1,512}")) {
            throw y.error(tokenFile.isPresent() ? "access_token_file" : "access_token",
                    "must hold a token of printable characters without spaces");
        }
        int chunkSize = Math.toIntExact(y.integer("chunk_size", 1, MAX_CHUNK_SIZE).orElse((long) DEFAULT_CHUNK_SIZE));
        boolean excludeCache = y.bool("exclude_cache_tag_directories").orElse(true);
        Optional<Path> log = y.string("log").map(s -> Path.of(YamlMap.expandTilde(s)).toAbsolutePath());
        Compression compression;
        try {
            compression = y.string("compression").map(Compression::parse).orElse(Compression.DEFAULT);
        } catch (IllegalArgumentException e) {
            throw y.error("compression", e.getMessage());
        }
        Optional<Integer> threads = y.integer("threads", 1, 1024).map(Math::toIntExact);
        List<String> warnings = new ArrayList<>();
        if (token.isPresent()) {
            Path holder = tokenFile.map(t -> Path.of(YamlMap.expandTilde(t))).orElse(file);
            readableByOthers(holder).ifPresent(mode -> warnings.add(tokenFile.isPresent()
                    ? "access_token_file " + holder + " can be read by other users (mode " + mode + "): anyone who reads it"
                            + " can use this client's access to the server; chmod 600 " + holder
                    : "configuration file " + holder + " holds access_token and can be read by other users (mode " + mode
                            + "): anyone who reads it can use this client's access to the server; chmod 600 " + holder));
        }
        return new ClientConfig(file, repository, roots, verify, ca, token, chunkSize, excludeCache, log, compression, threads,
                List.copyOf(warnings));
    }

    /** The effective configuration for {@code obnam config}: secrets are not shown. */
    public Map<String, Object> toDisplayMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("server_url", repository.toString());
        m.put("roots", roots);
        m.put("verify_tls_cert", verifyTlsCert);
        m.put("ca_cert", caCert.map(Path::toString).orElse(null));
        m.put("access_token", accessToken.isPresent() ? "(set)" : null);
        m.put("chunk_size", chunkSize);
        m.put("exclude_cache_tag_directories", excludeCacheTagDirectories);
        m.put("log", log.map(Path::toString).orElse(null));
        m.put("compression", compression.toString());
        m.put("threads", threads.orElse(null));
        return m;
    }

    /** The file's mode in octal when group or others may read it; empty when not, or not a POSIX file system. */
    private static Optional<String> readableByOthers(Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (!perms.contains(PosixFilePermission.GROUP_READ)
                    && !perms.contains(PosixFilePermission.OTHERS_READ)) {
                return Optional.empty();
            }
            int mode = 0;
            for (PosixFilePermission p : perms) {
                mode |= 1 << (8 - p.ordinal()); // OWNER_READ is ordinal 0, worth 0400
            }
            return Optional.of(String.format("%04o", mode));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty(); // it was just read, so this is not the place to report a problem with it
        }
    }
}
