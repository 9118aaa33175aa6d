package org.obnam.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.obnam.chunking.Chunker;
import org.obnam.chunking.ChunkerParams;
import org.obnam.crypto.ChunkKind;
import org.obnam.crypto.KdfParams;
import org.obnam.crypto.Label;
import org.obnam.fs.Dir;
import org.obnam.fs.RawName;
import org.obnam.fs.RawPath;
import org.obnam.generation.ChunkRef;
import org.obnam.repository.ChunkCodec;
import org.obnam.repository.Repository;
import org.obnam.repository.TrustState;
import org.obnam.store.DirectoryStore;

/**
 * {@link Readers} against a real pipeline and store: small files are read by the calling thread,
 * the rest by the pool, and either way a file gives the chunks the chunker makes of the bytes it
 * holds when it is read, whatever size the walk saw.
 */
@Timeout(60)
class ReadersTest {
    /** Chunks of 4 to 64 KiB: files under 4 KiB are read by the calling thread. */
    private static final ChunkerParams PARAMS = ChunkerParams.forMaxSize(64 << 10);

    @TempDir
    Path dir;

    private DirectoryStore store;
    private ChunkCodec codec;
    private ChunkPipeline pipeline;
    private Readers readers;

    @BeforeEach
    void setUp() throws Exception {
        store = DirectoryStore.create(dir.resolve("repo"));
        Repository.Unlocked keys = Repository.initialise(store, "pw", new KdfParams(64, 1, 1));
        Repository repo = new Repository(store, keys.key(), keys.repositoryId(), new TrustState(dir.resolve("state")), 3);
        codec = repo.codec();
        PipelineFailure failure = new PipelineFailure(() -> { });
        pipeline = new ChunkPipeline(store, codec, failure, 2, 2, 4 << 20, 1 << 20);
        readers = new Readers(2, 8, PARAMS, codec, pipeline, failure);
    }

    @AfterEach
    void tearDown() throws Exception {
        readers.close();
        pipeline.close();
        store.close();
    }

    @ParameterizedTest(name = "{0} bytes, walked as {1}")
    @CsvSource({
        "100, 100", // small: read by the calling thread
        "100, 50", // grew, still small
        "100, 4000", // shrank
        "3000, 0", // was empty
        "0, 10", // emptied
        "50000, 100", // grew past the small-file size: read by the pool
        "50000, 50000", // never small
        "4095, 4095", // the largest small file
        "4096, 4095" // one byte past it
    })
    void aFileGivesTheChunksOfTheBytesItHoldsWhenRead(int actual, long walked) throws Exception {
        byte[] content = new byte[actual];
        new Random(actual).nextBytes(content);
        Files.write(dir.resolve("f"), content);

        Stored result;
        try (Dir d = Dir.open(RawPath.ofUtf8(dir.toString()))) {
            result = stored(readers.read(d.openRead(RawName.ofUtf8("f")), walked, null));
        }

        assertThat(result.read().bytesRead()).isEqualTo(actual);
        assertThat(result.chunks().stream().map(ChunkRef::label).toList()).isEqualTo(expectedLabels(content));
        assertThat(result.chunks().stream().mapToLong(ChunkRef::size).sum()).isEqualTo(actual);
    }

    private record Stored(List<ChunkRef> chunks, FileContent.Read read) {}

    /** Waits as the backup does: a pack that stops growing is sealed, so its chunks get stored. */
    private Stored stored(FileContent content) throws Exception {
        for (int i = 0; i < 3000 && !content.isDone(); i++) {
            pipeline.sealOpenPackIfIdle(1);
            Thread.sleep(10);
        }
        assertThat(content.isDone()).isTrue();
        List<ChunkRef> chunks = new ArrayList<>();
        content.takeStored(chunks);
        assertThat(content.first()).as("every chunk taken").isNull();
        return new Stored(chunks, content.read().get(1, TimeUnit.SECONDS));
    }

    @ParameterizedTest(name = "sparse: {0}, written to after opening: {1}")
    @CsvSource({"false, false", "false, true", "true, false", "true, true"})
    void aFileWrittenToWhileItIsReadIsReportedAsChanged(boolean sparse, boolean written) throws Exception {
        Path f = dir.resolve("f");
        byte[] content = new byte[50_000];
        new Random(7).nextBytes(content);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(content), sparse ? 4 << 20 : 0);
        }
        Stored result;
        try (Dir d = Dir.open(RawPath.ofUtf8(dir.toString()))) {
            org.obnam.fs.OpenFile file = d.openRead(RawName.ofUtf8("f"));
            long size = file.openedStat().size();
            List<org.obnam.fs.Extent> extents = sparse ? file.dataExtents(size) : null;
            if (sparse) {
                assertThat(extents).as("the file system keeps holes").hasSize(1);
            }
            if (written) { // after the walk opened it, before it is read: a sparse file's new data is not read
                Files.write(f, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
            }
            result = stored(readers.read(file, size, extents));
        }
        assertThat(result.read().changedWhileRead()).isEqualTo(written);
    }

    private List<Label> expectedLabels(byte[] content) throws Exception {
        List<Label> labels = new ArrayList<>();
        int[] at = {0};
        new Chunker.Splitter(PARAMS).split((buf, off, len) -> {
            int n = Math.min(len, content.length - at[0]);
            if (n == 0) {
                return -1;
            }
            System.arraycopy(content, at[0], buf, off, n);
            at[0] += n;
            return n;
        }, (buf, off, len) -> labels.add(codec.label(ChunkKind.DATA, buf, off, len)));
        return labels;
    }
}
