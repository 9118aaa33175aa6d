package org.obnam.chunking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChunkerTest {

    private static final int KIB = 1024;
    private static final int MIB = 1024 * 1024;

    // ---- sizes -------------------------------------------------------------------------------

    @Property(tries = 300)
    void chunksAreWithinBoundsAndCoverTheInput(
            @ForAll("maxSizes") int max, @ForAll("inputs") byte[] data) {
        ChunkerParams p = ChunkerParams.forMaxSize(max);
        assertSizes(p, data.length, Chunker.chunkLengths(p, data));
    }

    @Test
    void bigRandomInputWithDefaultParameters() {
        byte[] data = random(1, 24 * MIB + 12345);
        ChunkerParams p = ChunkerParams.DEFAULT;
        int[] lengths = Chunker.chunkLengths(p, data);
        assertSizes(p, data.length, lengths);
        assertThat(lengths.length).isGreaterThan(8);
    }

    @ParameterizedTest
    @CsvSource({"1", "63", "64", "4096", "4194304"})
    void constantInputIsChunkedWithinBounds(int max) {
        ChunkerParams p = ChunkerParams.forMaxSize(max);
        for (byte b : new byte[] {0, (byte) 0xff, 'a'}) {
            byte[] data = new byte[3 * max + 17];
            Arrays.fill(data, b);
            int[] lengths = Chunker.chunkLengths(p, data);
            assertSizes(p, data.length, lengths);
            // The same bytes give the same cut points: all chunks but the last are equal.
            assertThat(Arrays.stream(lengths, 0, lengths.length - 1).distinct().count())
                    .isLessThanOrEqualTo(1);
        }
    }

    @Test
    void emptyInputHasNoChunks() {
        assertThat(Chunker.chunkLengths(ChunkerParams.DEFAULT, new byte[0])).isEmpty();
        assertThat(Chunker.chunkLengths(ChunkerParams.forMaxSize(1), new byte[0])).isEmpty();
        Chunker c = new Chunker(ChunkerParams.forMaxSize(64));
        assertThat(c.findBoundary(new byte[10], 5, 0)).isEqualTo(-1);
        assertThat(c.pending()).isZero();
    }

    @Test
    void chunkSizeOneSplitsEveryByte() {
        assertThat(Chunker.chunkLengths(ChunkerParams.forMaxSize(1), new byte[] {1, 2, 3}))
                .containsExactly(1, 1, 1);
        Chunker c = new Chunker(ChunkerParams.forMaxSize(1));
        byte[] three = {1, 2, 3};
        assertThat(c.findBoundary(three, 0, 3)).isEqualTo(1);
        assertThat(c.findBoundary(three, 1, 2)).isEqualTo(1);
        assertThat(c.findBoundary(three, 2, 1)).isEqualTo(1);
        assertThat(c.pending()).isZero();
    }

    @Property(tries = 200)
    void maximaBelowSixtyFourAreFixedSize(
            @ForAll @IntRange(min = 1, max = 63) int max, @ForAll("inputs") byte[] data) {
        int[] lengths = Chunker.chunkLengths(ChunkerParams.forMaxSize(max), data);
        int full = data.length / max;
        int rest = data.length % max;
        assertThat(lengths).hasSize(full + (rest > 0 ? 1 : 0));
        for (int i = 0; i < full; i++) {
            assertThat(lengths[i]).isEqualTo(max);
        }
        if (rest > 0) {
            assertThat(lengths[full]).isEqualTo(rest);
        }
    }

    @Test
    void averageChunkSizeOnRandomDataIsNearTheTarget() {
        for (int max : new int[] {256, 4 * KIB, 64 * KIB, MIB, 4 * MIB}) {
            ChunkerParams p = ChunkerParams.forMaxSize(max);
            byte[] data = random(max, Math.max(64 * MIB / 4, 300 * p.averageSize()) / 4 * 4);
            int[] lengths = Chunker.chunkLengths(p, data);
            double mean = (double) data.length / lengths.length;
            assertThat(mean)
                    .as("mean chunk length for max %d (average %d)", max, p.averageSize())
                    .isBetween(0.5 * p.averageSize(), 2.0 * p.averageSize());
        }
    }

    // ---- pinned cut points -------------------------------------------------------------------

    /**
     * Cut points on fixed pseudo-random inputs, computed by an independent, byte-at-a-time
     * implementation of the definition in {@link Chunker}'s documentation. Part of the repository
     * format: never change these without a format version bump.
     */
    @ParameterizedTest
    @CsvSource({
        "16384, 12345, 1048576, 225, 4110;4388;4502;4258;5740;1155;3360;4281,"
                + " aeabf2248af862cd68d16465e39225910d5ae101b57f2cdd797aaecd2ac9c98e",
        "100, 7, 50000, 1710, 31;28;39;40;26;29;26;33,"
                + " 8eca29454c6bc0c5b6426c2d6dbc2689316e6561457373659e6730429daed934",
        "64, 8, 20000, 1171, 18;18;21;25;17;17;18;30,"
                + " 9f0e7252ec2a222cee2f546d256b0ae43b9cb56c8aaa516c8d8cb2e2c7e67c7c",
        "1000, 9, 200000, 689, 199;270;191;276;324;358;267;251,"
                + " 9258fec404f0309e721c611158e845dfcd3de220f11dcc8c09800ed32d11a4d9",
    })
    void cutPointsArePinned(int max, long seed, int size, int count, String first, String sha256)
            throws Exception {
        int[] lengths = Chunker.chunkLengths(ChunkerParams.forMaxSize(max), splitMixBytes(seed, size));
        assertThat(lengths).hasSize(count);
        int[] expectedFirst = Arrays.stream(first.split(";")).mapToInt(Integer::parseInt).toArray();
        assertThat(Arrays.copyOf(lengths, expectedFirst.length)).containsExactly(expectedFirst);
        ByteBuffer bytes = ByteBuffer.allocate(4 * lengths.length);
        for (int length : lengths) {
            bytes.putInt(length);
        }
        assertThat(HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(bytes.array())))
                .isEqualTo(sha256);
    }

    // ---- streaming ---------------------------------------------------------------------------

    @Property(tries = 300)
    void streamingInArbitraryPiecesFindsTheSameCutPoints(
            @ForAll("maxSizes") int max,
            @ForAll("inputs") byte[] data,
            @ForAll @Size(max = 40) List<@IntRange(min = 0, max = 300_000) Integer> splits) {
        ChunkerParams p = ChunkerParams.forMaxSize(max);
        int[] pieces = splits.stream().mapToInt(s -> s % (data.length + 1)).sorted().toArray();
        assertThat(streamedLengths(p, data, pieces)).isEqualTo(Chunker.chunkLengths(p, data));
    }

    @Property(tries = 20)
    void streamingByteByByteFindsTheSameCutPoints(
            @ForAll @IntRange(min = 1, max = 2000) int max,
            @ForAll @Size(max = 20_000) byte[] data) {
        ChunkerParams p = ChunkerParams.forMaxSize(max);
        int[] everyByte = new int[data.length];
        Arrays.setAll(everyByte, i -> i);
        assertThat(streamedLengths(p, data, everyByte)).isEqualTo(Chunker.chunkLengths(p, data));
    }

    @Property(tries = 10)
    void streamingBigInputInRandomPieces(@ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int max = 64 * KIB << rnd.nextInt(5);
        byte[] data = random(seed, 8 * MIB + rnd.nextInt(MIB));
        List<Integer> cuts = new ArrayList<>();
        for (int at = 0; at < data.length; at += 1 + rnd.nextInt(2 * max)) {
            cuts.add(at);
        }
        int[] pieces = cuts.stream().mapToInt(Integer::intValue).toArray();
        ChunkerParams p = ChunkerParams.forMaxSize(max);
        assertThat(streamedLengths(p, data, pieces)).isEqualTo(Chunker.chunkLengths(p, data));
    }

    @Test
    void resetStartsANewStream() {
        ChunkerParams p = ChunkerParams.forMaxSize(4 * KIB);
        byte[] data = random(3, 100 * KIB);
        Chunker c = new Chunker(p);
        assertThat(c.findBoundary(data, 0, 100)).isEqualTo(-1);
        assertThat(c.pending()).isEqualTo(100);
        c.reset();
        assertThat(c.pending()).isZero();
        int first = c.findBoundary(data, 0, data.length);
        assertThat(first).isEqualTo(Chunker.chunkLengths(p, data)[0]);
    }

    @Test
    void findBoundaryChecksItsArguments() {
        Chunker c = new Chunker(ChunkerParams.DEFAULT);
        byte[] buf = new byte[10];
        assertThatThrownBy(() -> c.findBoundary(buf, -1, 2))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> c.findBoundary(buf, 5, 6))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> c.findBoundary(buf, 0, -1))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(c.pending()).isZero();
    }

    // ---- splitter ----------------------------------------------------------------------------

    @Property(tries = 200)
    void splitterYieldsTheChunksOfChunkLengths(
            @ForAll("maxSizes") int max,
            @ForAll("inputs") byte[] data,
            @ForAll long readSeed,
            @ForAll boolean smallBuffer)
            throws IOException {
        ChunkerParams p = ChunkerParams.forMaxSize(max);
        Chunker.Splitter splitter = smallBuffer
                ? new Chunker.Splitter(p, max + new SplittableRandom(readSeed).nextInt(max + 1))
                : new Chunker.Splitter(p);
        // Twice, to check that the splitter is reusable.
        for (int round = 0; round < 2; round++) {
            SplittableRandom rnd = new SplittableRandom(readSeed);
            ByteArrayInputStream in = new ByteArrayInputStream(data);
            Chunker.ByteSource shortReads = (b, off, len) ->
                    in.read(b, off, Math.min(len, rnd.nextInt(3) == 0 ? 0 : 1 + rnd.nextInt(3 * max)));
            List<Integer> lengths = new ArrayList<>();
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            long total = splitter.split(shortReads, (b, off, len) -> {
                lengths.add(len);
                joined.write(b, off, len);
            });
            assertThat(total).isEqualTo(data.length);
            assertThat(lengths.stream().mapToInt(Integer::intValue).toArray())
                    .isEqualTo(Chunker.chunkLengths(p, data));
            assertThat(joined.toByteArray()).isEqualTo(data);
        }
    }

    @Property(tries = 40)
    void aSplitterWhoseBufferGrowsMidStreamYieldsTheSameChunks(
            @ForAll("largeMaxSizes") int max,
            @ForAll @IntRange(min = 0, max = 3 << 20) int size,
            @ForAll @IntRange(min = -1, max = 300_000) int expectedLength,
            @ForAll long seed)
            throws IOException {
        ChunkerParams p = ChunkerParams.forMaxSize(max);
        byte[] data = random(seed, size);
        Chunker.Splitter splitter = new Chunker.Splitter(p);
        SplittableRandom rnd = new SplittableRandom(seed);
        ByteArrayInputStream in = new ByteArrayInputStream(data);
        List<Integer> lengths = new ArrayList<>();
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        long total = splitter.split((b, off, len) -> in.read(b, off, Math.min(len, 1 + rnd.nextInt(400_000))),
                (b, off, len) -> {
                    lengths.add(len);
                    joined.write(b, off, len);
                }, expectedLength);
        assertThat(total).isEqualTo(size);
        assertThat(lengths.stream().mapToInt(Integer::intValue).toArray()).isEqualTo(Chunker.chunkLengths(p, data));
        assertThat(joined.toByteArray()).isEqualTo(data);
    }

    @Provide
    Arbitrary<Integer> largeMaxSizes() {
        return Arbitraries.of(256 * KIB, 256 * KIB + 1, 300_000, 1 << 20, 4 << 20);
    }

    @Test
    void aSplitterKeepsASmallBufferForShortStreamsUntilOneIsLongerThanExpected() throws IOException {
        Chunker.Splitter splitter = new Chunker.Splitter(ChunkerParams.DEFAULT);
        int full = Chunker.Splitter.bufferSizeFor(ChunkerParams.DEFAULT);
        for (int size : new int[] {0, 8 * KIB, Chunker.Splitter.INITIAL_BUFFER - 1}) {
            splitter.split(new ByteArrayInputStream(random(size, size))::read, (b, off, len) -> {}, size);
            assertThat(splitter.bufferLength()).as("after a stream of %d bytes", size).isEqualTo(Chunker.Splitter.INITIAL_BUFFER);
        }
        int longer = Chunker.Splitter.INITIAL_BUFFER + 1;
        List<Integer> lengths = new ArrayList<>();
        byte[] data = random(1, longer);
        splitter.split(new ByteArrayInputStream(data)::read, (b, off, len) -> lengths.add(len), 8 * KIB);
        assertThat(lengths.stream().mapToInt(Integer::intValue).toArray()).isEqualTo(Chunker.chunkLengths(ChunkerParams.DEFAULT, data));
        assertThat(splitter.bufferLength()).as("grown by a stream longer than expected").isEqualTo(full);

        Chunker.Splitter unknown = new Chunker.Splitter(ChunkerParams.DEFAULT);
        unknown.split(new ByteArrayInputStream(new byte[10])::read, (b, off, len) -> {});
        assertThat(unknown.bufferLength()).as("a stream of unknown length").isEqualTo(full);
    }

    /** The usage loop from {@link Chunker}'s documentation, verbatim but for emit and read. */
    @Property(tries = 50)
    void documentedUsageLoopWorks(
            @ForAll("maxSizes") int max, @ForAll("inputs") byte[] data, @ForAll long readSeed)
            throws IOException {
        ChunkerParams params = ChunkerParams.forMaxSize(max);
        SplittableRandom rnd = new SplittableRandom(readSeed);
        ByteArrayInputStream stream = new ByteArrayInputStream(data);
        Chunker.ByteSource in = (b, off, len) -> stream.read(b, off, Math.min(len, 1 + rnd.nextInt(2 * max)));
        List<Integer> emitted = new ArrayList<>();
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        Chunker.ChunkConsumer emit = (b, off, len) -> {
            emitted.add(len);
            joined.write(b, off, len);
        };

        Chunker chunker = new Chunker(params);        // reusable; one per thread
        byte[] buf = new byte[2 * params.maxSize()];  // holds at least the current chunk
        int start = 0;  // first byte of the current chunk in buf
        int fill = 0;   // end of the data in buf
        chunker.reset(); // new file
        for (;;) {
            if (fill == buf.length) {  // full: move the unfinished chunk (< max bytes) to the front
                System.arraycopy(buf, start, buf, 0, fill - start);
                fill -= start;
                start = 0;
            }
            int n = in.read(buf, fill, buf.length - fill);
            if (n < 0) break;
            int scan = fill;          // the new bytes continue the current chunk
            fill += n;
            int cut;
            while ((cut = chunker.findBoundary(buf, scan, fill - scan)) >= 0) {
                scan += cut;
                emit.accept(buf, start, scan - start);  // a complete chunk
                start = scan;
            }
        }
        if (fill > start) emit.accept(buf, start, fill - start);  // the last chunk

        assertThat(emitted.stream().mapToInt(Integer::intValue).toArray())
                .isEqualTo(Chunker.chunkLengths(params, data));
        assertThat(joined.toByteArray()).isEqualTo(data);
    }

    @Test
    void aSplitterWithABufferOfAFewBytesCompactsItInsteadOfReadingNothingForEver() throws IOException {
        for (int size = 1; size <= 5; size++) {
            ChunkerParams p = ChunkerParams.forMaxSize(size);
            byte[] data = random(size, 50);
            List<Integer> lengths = new ArrayList<>();
            ByteArrayInputStream in = new ByteArrayInputStream(data);
            Chunker.Splitter splitter = new Chunker.Splitter(p, size);
            long total = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                    () -> splitter.split((b, off, len) -> in.read(b, off, Math.min(len, 2)), (b, off, len) -> lengths.add(len)));
            assertThat(total).isEqualTo(data.length);
            assertThat(lengths.stream().mapToInt(Integer::intValue).toArray()).isEqualTo(Chunker.chunkLengths(p, data));
        }
    }

    @Test
    void splitterRejectsABufferSmallerThanTheMaximumChunk() {
        assertThatThrownBy(() -> new Chunker.Splitter(ChunkerParams.forMaxSize(4096), 4095))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4095")
                .hasMessageContaining("4096");
    }

    @Test
    void splitterOfEmptyStreamHasNoChunks() throws IOException {
        List<Integer> lengths = new ArrayList<>();
        long total = new Chunker.Splitter(ChunkerParams.DEFAULT)
                .split(new ByteArrayInputStream(new byte[0])::read, (b, off, len) -> lengths.add(len));
        assertThat(total).isZero();
        assertThat(lengths).isEmpty();
    }

    // ---- locality ----------------------------------------------------------------------------

    @Property(tries = 10)
    void insertInTheMiddleChangesOnlyNearbyChunks(
            @ForAll long seed,
            @ForAll @IntRange(min = 16 * MIB, max = 64 * MIB) int size,
            @ForAll @IntRange(min = 1, max = 1000) int n) {
        byte[] original = random(seed, size);
        int at = size / 2 + new SplittableRandom(seed).nextInt(size / 8);
        assertLocal(original, inserted(original, at, random(~seed, n)), at);
    }

    private static byte[] inserted(byte[] original, int at, byte[] insert) {
        byte[] edited = new byte[original.length + insert.length];
        System.arraycopy(original, 0, edited, 0, at);
        System.arraycopy(insert, 0, edited, at, insert.length);
        System.arraycopy(original, at, edited, at + insert.length, original.length - at);
        return edited;
    }

    @net.jqwik.api.Example
    void anInsertThatTakesSixChunksToResynchroniseStaysLocal() {
        long seed = 33;
        int size = 16 * MIB + 8;
        byte[] original = random(seed, size);
        int at = size / 2 + new SplittableRandom(seed).nextInt(size / 8);
        assertLocal(original, inserted(original, at, random(~seed, 724)), at);
    }

    @Property(tries = 10)
    void deleteInTheMiddleChangesOnlyNearbyChunks(
            @ForAll long seed,
            @ForAll @IntRange(min = 16 * MIB, max = 64 * MIB) int size,
            @ForAll @IntRange(min = 1, max = 1000) int n) {
        byte[] original = random(seed, size);
        int at = size / 2 + new SplittableRandom(seed).nextInt(size / 8);
        byte[] edited = new byte[size - n];
        System.arraycopy(original, 0, edited, 0, at);
        System.arraycopy(original, at + n, edited, at, size - at - n);
        assertLocal(original, edited, at);
    }

    /** {@code original} and {@code edited} are equal before {@code at} and after the edit. */
    private static void assertLocal(byte[] original, byte[] edited, int at) {
        ChunkerParams p = ChunkerParams.forMaxSize(MIB);
        int[] before = Chunker.chunkLengths(p, original);
        int[] after = Chunker.chunkLengths(p, edited);

        // Every chunk that ends before the edit is unchanged, at the same place.
        int i = 0;
        for (int end = 0; i < before.length && end + before[i] <= at; end += before[i++]) {
            assertThat(after[i]).as("chunk %d, before the edit", i).isEqualTo(before[i]);
        }
        assertThat(i).as("chunks before the edit").isGreaterThan(4);

        // The chunks after the edit resynchronise: only the data of a few chunks around the edit
        // is new. Normalised chunking cuts with a different mask below and above the average
        // size, so resynchronising can take several chunks (seed 33, 16 MiB, 724 bytes inserted:
        // six new chunks, 1.6 MB); a chunker that did not resynchronise would make everything
        // after the edit new, at least 6 MiB here.
        List<ByteBuffer> oldChunks = slices(original, before);
        List<ByteBuffer> newChunks = slices(edited, after);
        java.util.Set<ByteBuffer> newSet = new java.util.HashSet<>(newChunks);
        java.util.Set<ByteBuffer> oldSet = new java.util.HashSet<>(oldChunks);
        long lostBytes = oldChunks.stream().filter(c -> !newSet.contains(c)).mapToLong(ByteBuffer::remaining).sum();
        long newBytes = newChunks.stream().filter(c -> !oldSet.contains(c)).mapToLong(ByteBuffer::remaining).sum();
        long editBytes = Math.abs(edited.length - original.length);
        assertThat(lostBytes).as("bytes of old chunks no longer there").isLessThanOrEqualTo(4L * p.maxSize());
        assertThat(newBytes).as("bytes of new chunks").isLessThanOrEqualTo(4L * p.maxSize() + editBytes);
    }

    private static List<ByteBuffer> slices(byte[] data, int[] lengths) {
        List<ByteBuffer> slices = new ArrayList<>(lengths.length);
        int off = 0;
        for (int length : lengths) {
            slices.add(ByteBuffer.wrap(data, off, length).slice());
            off += length;
        }
        return slices;
    }

    // ---- helpers -----------------------------------------------------------------------------

    @Provide
    Arbitrary<Integer> maxSizes() {
        return Arbitraries.oneOf(
                Arbitraries.integers().between(1, 70),
                Arbitraries.integers().between(64, 5000),
                Arbitraries.of(4 * KIB, 64 * KIB, 64 * KIB + 1, 100_000));
    }

    @Provide
    Arbitrary<byte[]> inputs() {
        Arbitrary<byte[]> small = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        Arbitrary<byte[]> randomBig = Combinators.combine(
                        Arbitraries.longs(), Arbitraries.integers().between(0, 300_000))
                .as(ChunkerTest::random);
        Arbitrary<byte[]> lowEntropy = Combinators.combine(
                        Arbitraries.longs(), Arbitraries.integers().between(0, 300_000))
                .as((seed, size) -> {
                    byte[] data = new byte[size];
                    SplittableRandom rnd = new SplittableRandom(seed);
                    for (int i = 0; i < size; i++) {
                        data[i] = (byte) (rnd.nextInt(50) == 0 ? rnd.nextInt(4) : 0);
                    }
                    return data;
                });
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(2, small),
                net.jqwik.api.Tuple.of(5, randomBig),
                net.jqwik.api.Tuple.of(1, lowEntropy));
    }

    private static void assertSizes(ChunkerParams p, int total, int[] lengths) {
        assertThat(Arrays.stream(lengths).asLongStream().sum()).isEqualTo(total);
        if (total == 0) {
            assertThat(lengths).isEmpty();
            return;
        }
        for (int i = 0; i < lengths.length - 1; i++) {
            assertThat(lengths[i]).as("chunk %d of %d", i, lengths.length)
                    .isBetween(p.minSize(), p.maxSize());
        }
        assertThat(lengths[lengths.length - 1]).as("last chunk").isBetween(1, p.maxSize());
    }

    /** The chunk lengths found by feeding {@code data} in pieces starting at the given offsets. */
    private static int[] streamedLengths(ChunkerParams p, byte[] data, int[] pieceStarts) {
        Chunker c = new Chunker(p);
        List<Integer> lengths = new ArrayList<>();
        int chunkStart = 0;
        int[] bounds = new int[pieceStarts.length + 2];
        System.arraycopy(pieceStarts, 0, bounds, 1, pieceStarts.length);
        bounds[bounds.length - 1] = data.length;
        for (int k = 0; k + 1 < bounds.length; k++) {
            int pos = bounds[k];
            int end = bounds[k + 1];
            int cut;
            while ((cut = c.findBoundary(data, pos, end - pos)) >= 0) {
                if (cut < 1 || cut > end - pos) {
                    throw new AssertionError("cut " + cut + " outside piece of " + (end - pos));
                }
                pos += cut;
                lengths.add(pos - chunkStart);
                chunkStart = pos;
            }
        }
        if (c.pending() != data.length - chunkStart) {
            throw new AssertionError("pending " + c.pending() + ", expected " + (data.length - chunkStart));
        }
        if (chunkStart < data.length) {
            lengths.add(data.length - chunkStart);
        }
        return lengths.stream().mapToInt(Integer::intValue).toArray();
    }

    static byte[] random(long seed, int size) {
        byte[] data = new byte[size];
        new SplittableRandom(seed).nextBytes(data);
        return data;
    }

    /** SplitMix64 outputs from {@code seed}, each as 8 little-endian bytes (as in the reference). */
    static byte[] splitMixBytes(long seed, int size) {
        ByteBuffer out = ByteBuffer.allocate((size + 7) / 8 * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long state = seed;
        while (out.hasRemaining()) {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            out.putLong(z ^ (z >>> 31));
        }
        return Arrays.copyOf(out.array(), size);
    }
}
