package org.obnam.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.obnam.chunking.ChunkerParams;
import org.obnam.config.ServerConfig;
import org.obnam.crypto.ChunkCipher;
import org.obnam.repository.PackLayout;

class BodyBudgetTest {
    private static final long MIB = 1 << 20;

    @Test
    void theLimitIsTheConfiguredOneWhenTheHeapIsBigEnough() {
        assertThat(BodyBudget.effectiveMaxBody(256 * MIB, 2048 * MIB)).isEqualTo(256 * MIB);
        assertThat(BodyBudget.effectiveMaxBody(1 * MIB, 160 * MIB)).isEqualTo(1 * MIB);
    }

    @Test
    void theLimitIsAQuarterOfASmallHeap() {
        assertThat(BodyBudget.effectiveMaxBody(256 * MIB, 160 * MIB)).isEqualTo(40 * MIB);
    }

    @Test
    void theLimitNeverFallsBelowAPackOfTheClient() {
        assertThat(BodyBudget.effectiveMaxBody(256 * MIB, 16 * MIB)).isEqualTo(8 * MIB);
    }

    @Test
    void theClientSizesTheServerAssumesAreTheClientsOwn() {
        assertThat(BodyBudget.CLIENT_PACK_BYTES).isEqualTo(PackLayout.TARGET_BYTES);
        // Chunks stream to disk, so the configured default is the limit whatever the heap: a
        // client with the largest chunk_size uploads its biggest chunk to a default server.
        assertThat(ServerConfig.DEFAULT_MAX_BODY_BYTES)
                .isGreaterThanOrEqualTo((long) ChunkerParams.MAX_CHUNK_SIZE + ChunkCipher.OVERHEAD);
    }

    @Test
    void bodiesShareAThirdOfTheHeap() {
        BodyBudget budget = new BodyBudget(256 * MIB, 150 * MIB, 0);
        assertThat(budget.totalBytes()).isEqualTo(50 * MIB);
        assertThat(new BodyBudget(256 * MIB, 16 * MIB, 0).totalBytes()).isEqualTo(8 * MIB);
    }

    @Test
    void aRequestThatFindsNoRoomIsToldToComeBack() throws Exception {
        BodyBudget budget = new BodyBudget(256 * MIB, 150 * MIB, 50);
        try (BodyBudget.Lease a = budget.reserve(25 * MIB); BodyBudget.Lease b = budget.reserve(24 * MIB)) {
            assertThatThrownBy(() -> budget.reserve(2 * MIB))
                    .isInstanceOfSatisfying(ApiError.class, e -> {
                        assertThat(e.status()).isEqualTo(503);
                        assertThat(e.headers()).containsKey("Retry-After");
                    });
            budget.reserve(MIB).close(); // what is left still serves a small body
        }
        assertThat(budget.availableBytes()).isEqualTo(50 * MIB);
    }

    @Test
    void aWaitingRequestGetsInWhenRoomIsGivenBack() throws Exception {
        BodyBudget budget = new BodyBudget(256 * MIB, 150 * MIB, 10_000);
        BodyBudget.Lease big = budget.reserve(50 * MIB);
        CompletableFuture<BodyBudget.Lease> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return budget.reserve(4 * MIB);
            } catch (ApiError e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertThat(waiting).isNotDone();
        big.close();
        waiting.get(5, TimeUnit.SECONDS).close();
        assertThat(budget.availableBytes()).isEqualTo(50 * MIB);
    }

    @Test
    void aBodyOfUnknownLengthReservesTwiceTheLimitAndClosingTwiceGivesBackOnce() throws Exception {
        BodyBudget budget = new BodyBudget(256 * MIB, 600 * MIB, 0);
        BodyBudget.Lease chunked = budget.reserve(-1);
        assertThat(budget.availableBytes()).isEqualTo(0);
        chunked.close();
        chunked.close();
        assertThat(budget.availableBytes()).isEqualTo(200 * MIB);
        BodyBudget small = new BodyBudget(256 * MIB, 160 * MIB, 0);
        small.reserve(-1).close(); // capped at the whole budget, never more
        budget.reserve(0).close();
        assertThat(budget.availableBytes()).isEqualTo(200 * MIB);
    }
}
