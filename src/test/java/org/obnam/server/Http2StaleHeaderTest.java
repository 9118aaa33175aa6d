package org.obnam.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.Https;
import org.obnam.testing.InProcessServer;

/**
 * Jetty 12.1.14 refuses an HTTP/2 request with a path such as {@code /..} at the HPACK layer and
 * then, on the same connection, lets {@code HttpFields.get} of the next request see the refused
 * request's headers. The server must answer each request by its own headers only: the next
 * request must not inherit a Range (206 instead of 200) or, worse, an Authorization.
 */
class Http2StaleHeaderTest {
    @TempDir
    Path dir;

    @Test
    void aRefusedHttp2RequestLendsNoHeadersToTheNextOneOnItsConnection() {
        try (InProcessServer server = InProcessServer.start(dir)) {
            String token = server.addClient("c", Set.of(Right.READ, Right.APPEND));
            Https http = new Https(server.url(), server.trustedCert(), HttpClient.Version.HTTP_2);
            Https.Reply created = http.post("/v1/chunks", token, Https.utf8("0123456789"), "Chunk-Meta", "{\"label\":\"l\"}");
            assertThat(created.status()).isEqualTo(201);
            String chunk = "/v1/chunks/" + created.json().path("chunk_id").asText();

            for (int round = 0; round < 3; round++) {
                // The leak shows headers of the refused request at positions the next, shorter request
                // does not overwrite (java.net.http sends headers in name order).
                Https.Reply refused = http.get("/..", token, "Chunk-Meta", "{\"label\":\"abc\"}", "Range", "bytes=0-3");
                assertThat(refused.status()).isEqualTo(400);
                assertThat(refused.json().path("error").asText()).isNotBlank();
                Https.Reply whole = http.get(chunk, token);
                assertThat(whole.version()).isEqualTo(HttpClient.Version.HTTP_2);
                assertThat(whole.status()).as("no Range was sent with this request").isEqualTo(200);
                assertThat(whole.text()).isEqualTo("0123456789");

                assertThat(http.send("GET", "/v1/%2E%2e/.%2e", null, null, "A-1", "1", "A-2", "2",
                        "Authorization", "Bearer " + token).status()).isEqualTo(400);
                Https.Reply anonymous = http.get(chunk, null);
                assertThat(anonymous.status()).as("no Authorization was sent with this request").isEqualTo(401);
            }
        }
    }
}
