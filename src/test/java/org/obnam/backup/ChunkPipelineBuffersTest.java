package org.obnam.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.crypto.ChunkKind;
import org.obnam.crypto.KdfParams;
import org.obnam.repository.ChunkCodec;
import org.obnam.repository.Repository;
import org.obnam.repository.TrustState;
import org.obnam.store.DirectoryStore;

/** The pipeline's reused buffers are made no bigger than the chunks that pass need. */
@Timeout(60)
class ChunkPipelineBuffersTest {
    private static final int KIB = 1 << 10;
    private static final int MIB = 1 << 20;
    private static final int LARGEST = ChunkCodec.compressionBufferLength(4 * MIB);

    @TempDir
    Path dir;

    private static int after(int current, ChunkKind kind, int length) {
        return ChunkPipeline.compressionBufferLength(kind, length, current, LARGEST);
    }

    @Test
    void aCompressionBufferStaysSmallForSmallChunksAndGrowsToTheLargestAtOnceForBiggerData() {
        int small = after(0, ChunkKind.DATA, 4 * KIB);
        assertThat(small).as("any small chunk").isEqualTo(ChunkCodec.compressionBufferLength(ChunkPipeline.SMALL_BLOB));
        assertThat(after(small, ChunkKind.DATA, 200 * KIB)).as("a small buffer holds every small chunk").isEqualTo(small);
        assertThat(after(small, ChunkKind.DATA, 300 * KIB)).as("a bigger data chunk").isEqualTo(LARGEST);
        assertThat(after(LARGEST, ChunkKind.DATA, 4 * MIB)).isEqualTo(LARGEST);
        assertThat(after(LARGEST, ChunkKind.DATA, KIB)).as("never shrinks").isEqualTo(LARGEST);
    }

    @Test
    void theGenerationDatabaseGrowsACompressionBufferOnlyToWhatItsChunksNeed() {
        int db = after(0, ChunkKind.GENERATION_DB, 700 * KIB);
        assertThat(db).isGreaterThanOrEqualTo(ChunkCodec.compressionBufferLength(700 * KIB))
                .isLessThanOrEqualTo(ChunkCodec.compressionBufferLength(700 * KIB) + ChunkPipeline.SMALL_BLOB);
    }

    @Test
    void storingTheGenerationDatabaseMakesOrGrowsTheRingOnlyToTwoOfItsLargestChunks() throws Exception {
        DirectoryStore store = DirectoryStore.create(dir.resolve("repo"));
        Repository.Unlocked keys = Repository.initialise(store, "pw", new KdfParams(64, 1, 1));
        Repository repo = new Repository(store, keys.key(), keys.repositoryId(), new TrustState(dir.resolve("state")), 3);
        PipelineFailure failure = new PipelineFailure(() -> { });
        try (store;
                ChunkPipeline big = new ChunkPipeline(store, repo.codec(), failure, 2, 2, 8 * MIB, 4 * MIB);
                ChunkPipeline small = new ChunkPipeline(store, repo.codec(), failure, 2, 2, 8 * MIB, 4 * MIB);
                ChunkPipeline smallFiles = new ChunkPipeline(store, repo.codec(), failure, 2, 2, 8 * MIB, 4 * MIB)) {
            big.expectPlaintextAtMost(14 * MIB, MIB);
            PlaintextRing.Slice slice = big.buffer(MIB);
            assertThat(slice.array()).as("a database of 14 MiB").hasSize(2 * MIB);
            big.giveBack(slice);

            small.expectPlaintextAtMost(72 * KIB, MIB);
            slice = small.buffer(KIB);
            assertThat(slice.array()).as("a database of 72 KiB").hasSize(72 * KIB);
            small.giveBack(slice);

            PlaintextRing.Slice file = smallFiles.bufferForSmallFile(4 * KIB);
            assertThat(file.array()).as("small files").hasSize(PlaintextRing.SMALL_START);
            smallFiles.expectPlaintextAtMost(14 * MIB, MIB);
            slice = smallFiles.buffer(MIB);
            assertThat(slice.array()).as("then a database of 14 MiB").isSameAs(file.array());
            smallFiles.giveBack(file);
            smallFiles.giveBack(slice);
        }
    }
}
