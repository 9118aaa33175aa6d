package org.obnam.config;

import java.net.URI;
import java.nio.file.Path;

/** Where the repository is: a local directory or an obnam-server. */
public sealed interface RepositoryLocation {
    record Local(Path directory) implements RepositoryLocation {
        @Override
        public String toString() {
            return directory.toString();
        }
    }

    record Remote(URI url) implements RepositoryLocation {
        @Override
        public String toString() {
            return url.toString();
        }
    }

    /**
     * Parses {@code server_url}: {@code https://HOST:PORT}, an absolute or relative directory
     * ({@code ~} expanded), or a {@code file:} URL. {@code http:} is refused, naming {@code https:}.
     */
    static RepositoryLocation parse(String value) {
        String v = value.strip();
        String lower = v.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("http://")) {
            throw new IllegalArgumentException("must use https: (or name a local directory), not http: " + v
                    + " (plain HTTP would expose your access token)");
        }
        if (lower.startsWith("https://")) {
            URI uri;
            try {
                uri = new URI(v);
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("is not a valid https: URL: " + v);
            }
            if (uri.getHost() == null || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))
                    || uri.getQuery() != null || uri.getUserInfo() != null) {
                throw new IllegalArgumentException("must look like https://HOST:PORT, not " + v);
            }
            return new Remote(URI.create("https://" + uri.getRawAuthority()));
        }
        if (lower.startsWith("file:")) {
            try {
                URI uri = new URI(v);
                if ("localhost".equalsIgnoreCase(uri.getHost()) && uri.getRawQuery() == null
                        && uri.getRawFragment() == null) { // RFC 8089: the same as no host
                    uri = new URI("file", null, uri.getPath(), null);
                }
                return new Local(Path.of(uri).toAbsolutePath().normalize());
            } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                throw new IllegalArgumentException("is not a valid file: URL (use file:///absolute/path): " + v);
            }
        }
        if (v.matches("[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
            throw new IllegalArgumentException("uses an unsupported scheme: " + v + " (use https: or a local directory)");
        }
        if (v.isEmpty()) {
            throw new IllegalArgumentException("is empty");
        }
        return new Local(Path.of(YamlMap.expandTilde(v)).toAbsolutePath().normalize());
    }
}
