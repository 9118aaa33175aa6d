package org.obnam.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.Https;
import org.obnam.testing.InProcessServer;

/**
 * An HTTP/2 request whose body is shorter than its content-length is reset by Jetty with
 * PROTOCOL_ERROR, and Jetty 12.1.14 never wakes a handler waiting for the rest of it: each such
 * request, even without a token, held one of the server's threads for good, and a few hundred
 * made it answer nobody. Every handler must let go within a moment.
 */
class Http2BodyMismatchTest {
    private static final List<String> BODY_READERS = List.of("Exchange.streamBody", "Exchange.drain", "Exchange.body",
            "RequestBody.read");

    @TempDir
    Path dir;

    @Test
    void requestsWithBodiesShorterThanDeclaredHoldNoThread() throws Exception {
        try (InProcessServer server = InProcessServer.start(dir)) {
            String token = server.addClient("c", Set.of(Right.READ, Right.APPEND));
            URI base = URI.create(server.url());
            SslContextFactory.Client tls = new SslContextFactory.Client(true); // trust all: loopback, test only
            ClientConnector connector = new ClientConnector();
            connector.setSslContextFactory(tls);
            HTTP2Client client = new HTTP2Client(connector);
            client.start();
            try {
                Session session = client.connect(tls, new InetSocketAddress("127.0.0.1", base.getPort()),
                        new Session.Listener() {}).get(10, TimeUnit.SECONDS);
                int requests = 30;
                CountDownLatch reset = new CountDownLatch(requests);
                for (int i = 0; i < requests; i++) {
                    // A chunk upload with a token, a chunk upload without one (refused, its body
                    // drained), and a record: each body 3 bytes where 100 are declared.
                    String path = switch (i % 3) {
                        case 0, 1 -> "/v1/chunks";
                        default -> "/v1/records/r" + i;
                    };
                    HttpFields.Mutable fields = HttpFields.build().put("content-length", "100")
                            .put("chunk-meta", "{\"label\":\"x\"}").put("if-match", "0");
                    if (i % 3 != 1) {
                        fields.put("authorization", "Bearer " + token);
                    }
                    MetaData.Request request = new MetaData.Request(i % 3 == 2 ? "PUT" : "POST",
                            HttpURI.from(server.url() + path), HttpVersion.HTTP_2, fields);
                    Stream stream = session.newStream(new HeadersFrame(request, null, false), new Stream.Listener() {
                        @Override
                        public void onReset(Stream s, ResetFrame frame, org.eclipse.jetty.util.Callback callback) {
                            reset.countDown();
                            callback.succeeded();
                        }
                    }).get(10, TimeUnit.SECONDS);
                    stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap("abc".getBytes(StandardCharsets.US_ASCII)),
                            true));
                }
                assertThat(reset.await(20, TimeUnit.SECONDS)).as("Jetty resets every such stream").isTrue();

                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                List<String> stuck = stuckHandlers();
                while (!stuck.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    stuck = stuckHandlers();
                }
                assertThat(stuck).as("handlers still waiting for bodies that will never come").isEmpty();

                Https http = new Https(server.url(), server.trustedCert());
                assertThat(http.post("/v1/chunks", token, Https.utf8("fine"), "Chunk-Meta", "{\"label\":\"ok\"}").status())
                        .isEqualTo(201);
            } finally {
                client.stop();
            }
        }
    }

    /** The threads of this JVM (the server runs in it) blocked reading a request body. */
    private static List<String> stuckHandlers() {
        List<String> stuck = new ArrayList<>();
        Thread.getAllStackTraces().forEach((thread, frames) -> {
            boolean reading = Arrays.stream(frames).anyMatch(f -> BODY_READERS.stream()
                    .anyMatch(m -> (f.getClassName() + "." + f.getMethodName()).endsWith(m)));
            if (reading) {
                stuck.add(thread.getName());
            }
        });
        return stuck;
    }
}
