package org.obnam.server;

import java.io.IOException;
import java.net.BindException;
import java.security.KeyStore;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.obnam.config.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running chunk server: Jetty over TLS with HTTP/2 and HTTP/1.1 (chosen by ALPN), the API
 * handler, and the namespaces' stores. {@link #stop} lets requests in flight finish, then closes
 * the stores.
 */
public final class ChunkServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChunkServer.class);
    private static final int MAX_THREADS = 200;

    private final Server server;
    private final ServerConnector connector;
    private final Namespaces namespaces;
    private final ServerConfig config;

    private ChunkServer(ServerConfig config, Server server, ServerConnector connector, Namespaces namespaces) {
        this.config = config;
        this.server = server;
        this.connector = connector;
        this.namespaces = namespaces;
    }

    /** Starts a server; a ServerException's message says what to fix (bad key, port in use, ...). */
    public static ChunkServer start(ServerConfig config) throws ServerException {
        KeyStore keys = TlsFiles.keyStore(config.tlsKey(), config.tlsCert());
        ClientRegistry clients = ClientRegistry.in(config.chunks());
        try {
            clients.createChunksDir();
        } catch (IOException e) {
            throw new ServerException("cannot create the chunks directory " + config.chunks() + ": "
                    + org.obnam.util.IoErrors.describe(e, config.chunks()), e);
        }
        clients.checkUsable();
        Namespaces namespaces = new Namespaces(clients);

        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 8);
        threads.setName("obnam-server");
        Server server = new Server(threads);
        server.setStopAtShutdown(false); // ServerMain's shutdown hook stops us, then closes the stores
        server.setStopTimeout(config.shutdownTimeoutSeconds() * 1000L);
        server.setErrorHandler(new JsonErrorHandler());

        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setRequestHeaderSize(config.maxHeaderBytes());
        http.setResponseHeaderSize(config.maxHeaderBytes() + 8192); // a GET echoes the Chunk-Meta it was given
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false); // clients may reach the server by any name or address in its certificate
        http.addCustomizer(secure);

        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStore(keys);
        tls.setKeyStorePassword(new String(TlsFiles.PASSWORD));
        tls.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        tls.setCipherComparator(HTTP2Cipher.COMPARATOR);

        HttpConnectionFactory http11 = new HttpConnectionFactory(http);
        HTTP2ServerConnectionFactory http2 = new HTTP2ServerConnectionFactory(http);
        http2.setStreamIdleTimeout(config.idleTimeoutSeconds() * 1000L);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
        alpn.setDefaultProtocol(http11.getProtocol());
        SslConnectionFactory ssl = new SslConnectionFactory(tls, alpn.getProtocol());

        ServerConnector connector = new ServerConnector(server, ssl, alpn, http2, http11);
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(config.idleTimeoutSeconds() * 1000L);
        server.addConnector(connector);
        BodyBudget budget = BodyBudget.forThisHeap(config.maxBodyBytes());
        logBodyLimits(config, budget);
        server.setHandler(new GracefulHandler(new ApiHandler(config, clients, namespaces, budget)));

        try {
            connector.open();
        } catch (IOException e) {
            throw new ServerException("cannot listen on " + config.address() + ": " + bindProblem(e), e);
        }
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server);
            namespaces.close();
            throw new ServerException("cannot start the server on " + config.address() + ": " + e.getMessage(), e);
        }
        ChunkServer running = new ChunkServer(config, server, connector, namespaces);
        LOG.info("listening on https://{}:{} (chunks in {})", config.host().contains(":")
                ? "[" + config.host() + "]" : config.host(), running.port(), config.chunks());
        return running;
    }

    /** Says at start what bodies the server takes, and warns when Obnam clients' uploads would not fit. */
    private static void logBodyLimits(ServerConfig config, BodyBudget budget) {
        long heapMib = Runtime.getRuntime().maxMemory() >> 20;
        if (config.maxBodyBytes() < BodyBudget.CLIENT_PACK_BYTES) {
            LOG.warn("the largest body accepted is {} bytes: Obnam clients upload packs of up to {} bytes, so their"
                    + " backups will fail; raise max_body_bytes", config.maxBodyBytes(), BodyBudget.CLIENT_PACK_BYTES);
        }
        LOG.info("request bodies: chunks of up to {} bytes, streamed to disk; records and label lists of up to {} bytes,"
                + " at most {} bytes of them in memory at once (heap {} MiB)",
                config.maxBodyBytes(), budget.maxBody(), budget.totalBytes(), heapMib);
    }

    private static String bindProblem(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException b) {
                String m = b.getMessage() == null ? "cannot bind" : b.getMessage();
                return m.toLowerCase(java.util.Locale.ROOT).contains("in use")
                        ? "the address is already in use (is another server running?)" : m;
            }
        }
        return e.getMessage();
    }

    /** The port the server listens on (useful when the configuration asked for port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    public ServerConfig config() {
        return config;
    }

    /** Waits until the server stops. */
    public void join() throws InterruptedException {
        server.join();
    }

    /** Stops taking requests, lets those in flight finish (up to the shutdown timeout), closes the stores. */
    public void stop() {
        stopQuietly(server);
        namespaces.close();
    }

    @Override
    public void close() {
        stop();
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping the HTTP server: {}", e.getMessage());
        }
    }
}
