package org.obnam.chunking;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Chunker throughput on 64 MiB of random data. One "operation" is one MiB of input, so the
 * reported score (ops/s) is MiB/s.
 *
 * <pre>{@code
 * ./mvnw -q -B -Pjmh -DskipTests package
 * java --enable-native-access=ALL-UNNAMED -cp target/obnam.jar org.openjdk.jmh.Main Chunker
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ChunkerBenchmark {

    private static final int MIB = 1 << 20;
    private static final int INPUT_MIB = 64;

    /** Maximum chunk size (the config's {@code chunk_size}); 4 MiB is the default. */
    @Param({"4194304"})
    public int maxSize;

    private byte[] data;
    private ChunkerParams params;
    private Chunker chunker;
    private Chunker.Splitter splitter;

    @Setup
    public void setup() {
        data = new byte[INPUT_MIB * MIB];
        new SplittableRandom(42).nextBytes(data);
        params = ChunkerParams.forMaxSize(maxSize);
        chunker = new Chunker(params);
        splitter = new Chunker.Splitter(params);
    }

    /** The whole input as one array. */
    @Benchmark
    @OperationsPerInvocation(INPUT_MIB)
    public int wholeArray() {
        return Chunker.chunkLengths(params, data).length;
    }

    /** The input fed in 1 MiB pieces, as a file reader would, counting cut points. */
    @Benchmark
    @OperationsPerInvocation(INPUT_MIB)
    public int streaming() {
        Chunker c = chunker;
        c.reset();
        int chunks = 0;
        for (int off = 0; off < data.length; off += MIB) {
            int pos = off;
            int end = off + MIB;
            int cut;
            while ((cut = c.findBoundary(data, pos, end - pos)) >= 0) {
                pos += cut;
                chunks++;
            }
        }
        return chunks;
    }

    /** The splitter reading from an in-memory stream (includes copying into its buffer). */
    @Benchmark
    @OperationsPerInvocation(INPUT_MIB)
    public long splitter() throws IOException {
        long[] sum = new long[1];
        splitter.split(new ByteArrayInputStream(data)::read, (buf, off, len) -> sum[0] += len);
        return sum[0];
    }
}
