package org.obnam.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Error bodies say why a request was refused, and never echo what its headers held. */
class JsonErrorHandlerTest {
    @Test
    void aRefusedHeaderValueIsNotEchoed() {
        String token = "c2VjcmV0LXRva2VuLXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw";
        String body = new String(JsonErrorHandler.body(400, "Illegal header value Bearer " + token + "\t"),
                StandardCharsets.UTF_8);
        assertThat(body).doesNotContain(token).contains("Bad Request: Illegal header value");
        assertThat(JsonErrorHandler.withoutHeaderValues("bad auth: bearer " + token)).doesNotContain(token);
    }

    @Test
    void otherReasonsAreKept() {
        assertThat(new String(JsonErrorHandler.body(400, "Ambiguous URI path separator"), StandardCharsets.UTF_8))
                .contains("Bad Request: Ambiguous URI path separator");
        assertThat(new String(JsonErrorHandler.body(500, "/secret/path exploded"), StandardCharsets.UTF_8))
                .doesNotContain("secret");
    }
}
