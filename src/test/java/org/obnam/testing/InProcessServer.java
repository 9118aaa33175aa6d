package org.obnam.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.obnam.config.ConfigException;
import org.obnam.config.ServerConfig;
import org.obnam.server.ChunkServer;
import org.obnam.server.ClientRegistry;
import org.obnam.server.Right;
import org.obnam.server.ServerException;

/**
 * A chunk server inside the test's JVM, on 127.0.0.1 and a port the system picks, with a
 * self-signed certificate made for the test: quick to start, for unit tests of clients.
 */
public final class InProcessServer implements AutoCloseable {
    private final Path config;
    private final TestCerts.ServerFiles tls;
    private ChunkServer server;

    private InProcessServer(Path dir, String extraConfig, TestCerts.ServerFiles tls) throws IOException {
        this.tls = tls;
        Files.createDirectories(dir);
        this.config = dir.resolve("server.yaml");
        Files.writeString(config, "address: 127.0.0.1:0\n"
                + "chunks: " + dir.resolve("chunks") + "\n"
                + "tls_key: " + tls.key() + "\n"
                + "tls_cert: " + tls.cert() + "\n"
                + extraConfig);
    }

    public static InProcessServer start(Path dir) {
        return start(dir, "");
    }

    public static InProcessServer start(Path dir, String extraConfig) {
        return start(dir, extraConfig, TestCerts.selfSigned(dir.resolve("tls")));
    }

    /** A server with the given key and certificate; clients trust {@code tls.trust()}. */
    public static InProcessServer start(Path dir, String extraConfig, TestCerts.ServerFiles tls) {
        try {
            InProcessServer s = new InProcessServer(dir, extraConfig, tls);
            s.start();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void start() {
        try {
            server = ChunkServer.start(ServerConfig.load(config));
        } catch (ConfigException | ServerException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Stops and starts again on the same storage (on a new port). */
    public void restart() {
        server.stop();
        start();
    }

    /** A new client with its own namespace; returns its token. */
    public String addClient(String name, Set<Right> rights) {
        try {
            return ClientRegistry.in(server.config().chunks()).add(name, rights).token();
        } catch (ServerException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    public String url() {
        return "https://127.0.0.1:" + server.port();
    }

    public Path trustedCert() {
        return tls.trust();
    }

    public Path chunks() {
        return server.config().chunks();
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop();
        }
    }
}
