package org.obnam.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A plain HTTPS client for tests (java.net.http, HTTP/2 by default) that trusts one test
 * certificate, plus raw HTTP/1.1 over TLS for requests no well-behaved client would send.
 */
public final class Https {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client;
    private final String base;

    /** What came back. */
    public record Reply(int status, HttpHeaders headers, byte[] body, HttpClient.Version version) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + text(), e);
            }
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + text();
        }
    }

    public Https(String baseUrl, Path trustedCert) {
        this(baseUrl, trustedCert, HttpClient.Version.HTTP_2);
    }

    public Https(String baseUrl, Path trustedCert, HttpClient.Version version) {
        this.base = baseUrl;
        this.client = HttpClient.newBuilder()
                .sslContext(trusting(trustedCert))
                .version(version)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    public Reply get(String path, String token, String... headers) {
        return send("GET", path, token, null, headers);
    }

    public Reply post(String path, String token, byte[] body, String... headers) {
        return send("POST", path, token, body, headers);
    }

    public Reply delete(String path, String token) {
        return send("DELETE", path, token, null);
    }

    /** {@code headers} are name, value pairs. */
    public Reply send(String method, String path, String token, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        try {
            HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(r.statusCode(), r.headers(), r.body(), r.version());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static SSLContext trusting(Path certFile) {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            try (InputStream in = Files.newInputStream(certFile)) {
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    ks.setCertificateEntry("c" + i++, c);
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot trust " + certFile, e);
        }
    }

    /** A raw exchange over TLS: the status line's code, and everything the server sent. */
    public record RawReply(int status, String text) {
        public String body() {
            int i = text.indexOf("\r\n\r\n");
            return i < 0 ? "" : text.substring(i + 4);
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body());
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + text, e);
            }
        }
    }

    /**
     * Sends {@code request} (HTTP/1.1, as bytes) and reads until the server closes the connection
     * or {@code wait} passes. The connection stays open after sending, so a request that promises
     * more body than it sends is a stalled client.
     */
    public static RawReply raw(int port, Path trustedCert, byte[] request, Duration wait) {
        try (SSLSocket s = (SSLSocket) trusting(trustedCert).getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout((int) wait.toMillis());
            s.setEnabledProtocols(new String[] {"TLSv1.3"});
            var params = s.getSSLParameters();
            params.setApplicationProtocols(new String[] {"http/1.1"});
            s.setSSLParameters(params);
            // Write from another thread: a server that refuses a request may answer and close while
            // the request is still being sent, and the answer is what the test wants to read.
            OutputStream out = s.getOutputStream();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    out.write(request);
                    out.flush();
                } catch (IOException e) {
                    // the server stopped reading
                }
            });
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            long deadline = System.nanoTime() + wait.toNanos();
            try {
                for (int n; System.nanoTime() < deadline && (n = in.read(buf)) >= 0; ) {
                    got.write(buf, 0, n);
                    if (complete(got.toByteArray())) {
                        break;
                    }
                }
            } catch (SocketTimeoutException | javax.net.ssl.SSLException e) {
                // what arrived is the answer
            } catch (IOException e) {
                // connection reset after the answer
            }
            try {
                writer.join(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String text = got.toString(StandardCharsets.ISO_8859_1);
            int status = text.startsWith("HTTP/1.1 ") && text.length() >= 12 ? Integer.parseInt(text.substring(9, 12)) : -1;
            return new RawReply(status, text);
        } catch (IOException e) {
            throw new UncheckedIOException("raw request to port " + port + " failed", e);
        }
    }

    /** Headers and a body of the declared Content-Length have arrived. */
    private static boolean complete(byte[] data) {
        String text = new String(data, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        for (String line : text.substring(0, end).split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                int length = Integer.parseInt(line.substring(15).strip());
                return data.length >= end + 4 + length;
            }
        }
        return false;
    }

    public static byte[] concat(byte[]... parts) {
        int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
