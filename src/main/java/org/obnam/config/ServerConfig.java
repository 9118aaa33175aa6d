package org.obnam.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The chunk server's configuration file (see docs/server.md): where to listen, where the chunks
 * live, the TLS key and certificate, and limits that protect the server from bad or slow clients.
 *
 * @param host address to listen on: a host name, an IPv4 address or an IPv6 address without brackets
 * @param port TCP port; 0 picks a free one (for tests)
 */
public record ServerConfig(
        Path file,
        String host,
        int port,
        Path chunks,
        Path tlsKey,
        Path tlsCert,
        long maxBodyBytes,
        int maxHeaderBytes,
        int idleTimeoutSeconds,
        int maxLabelsPerLookup,
        int shutdownTimeoutSeconds) {

    public static final long DEFAULT_MAX_BODY_BYTES = 256L << 20;
    /** Big enough for the Chunk-Meta of a full pack: 512 labels of up to 128 characters plus lengths. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 128 << 10;
    public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 60;
    public static final int DEFAULT_MAX_LABELS_PER_LOOKUP = 10_000;
    public static final int DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 30;

    private static final Set<String> KEYS = Set.of("address", "chunks", "tls_key", "tls_cert", "max_body_bytes",
            "max_header_bytes", "idle_timeout_seconds", "max_labels_per_lookup", "shutdown_timeout_seconds");

    /** Reads and validates a server configuration file; the TLS files must exist. */
    public static ServerConfig load(Path file) throws ConfigException {
        return load(file, true);
    }

    /**
     * Reads a server configuration file. Client management ({@code obnam-server client ...}) needs
     * only {@code chunks}, so it can pass {@code checkTlsFiles = false} and run as a user who cannot
     * read the server's key.
     */
    public static ServerConfig load(Path file, boolean checkTlsFiles) throws ConfigException {
        YamlMap yaml = YamlMap.read(file, KEYS);
        String address = yaml.requiredString("address");
        HostPort hp = parseAddress(address, yaml);
        Path chunks = path(yaml, "chunks");
        Path key = path(yaml, "tls_key");
        Path cert = path(yaml, "tls_cert");
        if (checkTlsFiles) {
            requireFile(yaml, "tls_key", key);
            requireFile(yaml, "tls_cert", cert);
        }
        if (Files.exists(chunks) && !Files.isDirectory(chunks)) {
            throw yaml.error("chunks", chunks + " exists but is not a directory");
        }
        long maxBody = yaml.integer("max_body_bytes", 1, 1L << 30).orElse(DEFAULT_MAX_BODY_BYTES);
        int maxHeader = yaml.integer("max_header_bytes", 1024, 16L << 20).orElse((long) DEFAULT_MAX_HEADER_BYTES).intValue();
        int idle = yaml.integer("idle_timeout_seconds", 1, 86_400).orElse((long) DEFAULT_IDLE_TIMEOUT_SECONDS).intValue();
        int labels = yaml.integer("max_labels_per_lookup", 1, 1_000_000)
                .orElse((long) DEFAULT_MAX_LABELS_PER_LOOKUP).intValue();
        int shutdown = yaml.integer("shutdown_timeout_seconds", 0, 3600)
                .orElse((long) DEFAULT_SHUTDOWN_TIMEOUT_SECONDS).intValue();
        return new ServerConfig(file, hp.host, hp.port, chunks, key, cert, maxBody, maxHeader, idle, labels, shutdown);
    }

    /** {@code host:port} as written in the file, IPv6 hosts in brackets. */
    public String address() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private record HostPort(String host, int port) {}

    private static HostPort parseAddress(String address, YamlMap yaml) throws ConfigException {
        String host;
        String portText;
        if (address.startsWith("[")) {
            int close = address.indexOf(']');
            if (close < 0 || close + 1 >= address.length() || address.charAt(close + 1) != ':') {
                throw badAddress(yaml, address);
            }
            host = address.substring(1, close);
            portText = address.substring(close + 2);
        } else {
            int colon = address.lastIndexOf(':');
            if (colon <= 0 || address.indexOf(':') != colon) {
                throw badAddress(yaml, address);
            }
            host = address.substring(0, colon);
            portText = address.substring(colon + 1);
        }
        if (host.isBlank() || !host.matches("[A-Za-z0-9._:%-]+") || !portText.matches("[0-9]{1,5}")) {
            throw badAddress(yaml, address);
        }
        int port = Integer.parseInt(portText);
        if (port > 65535) {
            throw yaml.error("address", "has port " + port + ", but ports go up to 65535");
        }
        return new HostPort(host, port);
    }

    private static ConfigException badAddress(YamlMap yaml, String address) {
        return yaml.error("address", "must be HOST:PORT (such as localhost:8888 or [::1]:8888), not " + address);
    }

    private static Path path(YamlMap yaml, String key) throws ConfigException {
        Path p = Path.of(YamlMap.expandTilde(yaml.requiredString(key)));
        if (!p.isAbsolute()) {
            // Relative paths are relative to the configuration file, not to wherever the server was started.
            Path dir = yaml.file().toAbsolutePath().getParent();
            p = dir.resolve(p);
        }
        return p.normalize();
    }

    private static void requireFile(YamlMap yaml, String key, Path p) throws ConfigException {
        if (!Files.exists(p)) {
            throw yaml.error(key, "names " + p + ", which does not exist");
        }
        if (!Files.isRegularFile(p)) {
            throw yaml.error(key, "names " + p + ", which is not a file");
        }
    }
}
