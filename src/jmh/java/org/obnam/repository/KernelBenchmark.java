package org.obnam.repository;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.obnam.crypto.ChunkCipher;
import org.obnam.crypto.ChunkKind;
import org.obnam.crypto.Label;
import org.obnam.crypto.Labeller;
import org.obnam.crypto.MasterKey;
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
 * The per-byte kernels of a backup, one 1 MiB chunk per operation, so the score (ops/s) is
 * MiB/s on one core: the label hash (HMAC-SHA-256), zstd at the default level (1) and at level 3 on random and on
 * text data, AES-256-GCM sealing, and the whole encode (compress + seal) as the pipeline does it.
 *
 * <pre>{@code
 * ./mvnw -q -B -Pjmh -DskipTests package
 * java --enable-native-access=ALL-UNNAMED -cp target/obnam.jar org.openjdk.jmh.Main Kernel
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class KernelBenchmark {
    private static final int MIB = 1 << 20;

    @Param({"random", "text"})
    public String content;

    private byte[] chunk;
    private Labeller labeller;
    private ChunkCipher cipher;
    private ChunkCodec codec;
    private Label label;
    private byte[] context;

    @Setup
    public void setup() {
        chunk = new byte[MIB];
        SplittableRandom r = new SplittableRandom(7);
        if (content.equals("random")) {
            r.nextBytes(chunk);
        } else {
            String[] words = {"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "backup", "obnam"};
            StringBuilder sb = new StringBuilder();
            while (sb.length() < MIB) {
                sb.append(words[r.nextInt(words.length)]).append(r.nextInt(8) == 0 ? '\n' : ' ');
            }
            System.arraycopy(sb.toString().getBytes(), 0, chunk, 0, MIB);
        }
        MasterKey key = MasterKey.generate();
        labeller = key.labeller(ChunkKind.DATA);
        cipher = key.cipher();
        codec = ChunkCodec.of(key, org.obnam.config.Compression.DEFAULT.level());
        label = labeller.label(chunk);
        context = label.bytes();
    }

    @Benchmark
    @OperationsPerInvocation(1)
    public Label labelHmacSha256() {
        return labeller.label(chunk);
    }

    @Benchmark
    @OperationsPerInvocation(1)
    public byte[] sealAesGcm() {
        return cipher.seal(ChunkKind.DATA, context, 0, chunk);
    }

    @Benchmark
    @OperationsPerInvocation(1)
    public byte[] zstdLevel1() {
        return com.github.luben.zstd.Zstd.compress(chunk, 1);
    }

    @Benchmark
    @OperationsPerInvocation(1)
    public byte[] zstdLevel3() {
        return com.github.luben.zstd.Zstd.compress(chunk, 3);
    }

    @Benchmark
    @OperationsPerInvocation(1)
    public byte[] encodeCompressAndSeal() {
        return codec.encode(ChunkKind.DATA, label, chunk, 0, chunk.length);
    }
}
