package org.obnam.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.server.Right;
import org.obnam.testing.InProcessServer;

/** HttpStore against a server with small limits: refusals are BadRequest, which no retry repeats. */
class HttpStoreLimitsTest {
    @TempDir
    static Path dir;

    static InProcessServer server;
    static HttpStore store;

    @BeforeAll
    static void start() throws Exception {
        server = InProcessServer.start(dir, "max_body_bytes: 100000\n");
        store = new HttpStore(server.url(), server.addClient("small", Right.DEFAULT), true, server.trustedCert());
    }

    @AfterAll
    static void stop() throws Exception {
        store.close();
        server.close();
    }

    @Test
    void bodyOverTheLimitIsABadRequestNamingTheLimit() throws Exception {
        for (int size : new int[] {100_001, 1 << 20, 8 << 20}) {
            assertThatThrownBy(() -> store.put(ObjectMeta.single("big"), new byte[size]))
                    .as("%d bytes", size)
                    .isInstanceOf(StoreException.BadRequest.class)
                    .hasMessageContaining("100000");
        }
        assertThat(store.put(ObjectMeta.single("ok"), new byte[100_000])).isNotNull();
        assertThat(store.findLabel("big")).isEmpty();
    }

    @Test
    void bigUploadWithABadTokenIsForbiddenNotANetworkFailure() throws Exception {
        try (HttpStore bad = new HttpStore(server.url(), "wrong", true, server.trustedCert())) {
            for (int size : new int[] {50_000, 3 << 20}) {
                assertThatThrownBy(() -> bad.put(ObjectMeta.single("x"), new byte[size]))
                        .as("%d bytes", size)
                        .isInstanceOf(StoreException.Forbidden.class);
            }
        }
    }

    @Test
    void oversizedRecordIsABadRequest() {
        assertThatThrownBy(() -> store.compareAndSetRecord("big", 0, new byte[2 << 20]))
                .isInstanceOf(StoreException.BadRequest.class);
    }
}
