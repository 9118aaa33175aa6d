package org.obnam.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.obnam.crypto.ChunkKind;
import org.obnam.crypto.KeyRecord;
import org.obnam.crypto.Label;
import org.obnam.crypto.MasterKey;
import org.obnam.repository.ChunkCodec;
import org.obnam.repository.CorruptChunkException;
import org.obnam.repository.GenerationList;
import org.obnam.repository.GenerationRecord;
import org.obnam.repository.RepositoryException;
import org.obnam.store.ObjectMeta;

/**
 * Every decoder of data that comes from the repository or the network, fed random and mutated
 * input: each must either decode or fail with its own checked error, never anything else (no
 * runtime exception, no hang, no huge allocation). Quick in CI; the long run sets
 * jqwik.tries.default=1000000.
 */
class DecoderFuzzTest {
    private static final MasterKey KEY = MasterKey.of(new byte[64]);
    private static final ChunkCodec CODEC = ChunkCodec.of(KEY, 3);
    private static final byte[] PLAIN = "some plaintext that compresses, compresses, compresses well".repeat(20)
            .getBytes(StandardCharsets.UTF_8);
    private static final Label LABEL = CODEC.label(ChunkKind.DATA, PLAIN, 0, PLAIN.length);
    private static final byte[] VALID = CODEC.encode(ChunkKind.DATA, LABEL, PLAIN, 0, PLAIN.length);

    @Property
    void randomBytesNeverDecodeAsAChunk(@ForAll @Size(max = 3000) byte[] blob) {
        try {
            CODEC.decode(ChunkKind.DATA, LABEL, blob);
            throw new AssertionError("random bytes decoded");
        } catch (CorruptChunkException expected) {
            // the only allowed outcome
        }
    }

    @Property
    void mutatedChunksAreAlwaysDetected(@ForAll @IntRange(min = 0, max = 100_000) int position,
            @ForAll @IntRange(min = 1, max = 255) int xor, @ForAll @IntRange(min = 0, max = 3) int mode) {
        byte[] blob = VALID.clone();
        int p = position % blob.length;
        byte[] mutated = switch (mode) {
            case 0 -> { blob[p] ^= (byte) xor; yield blob; }
            case 1 -> java.util.Arrays.copyOf(blob, p); // truncated
            case 2 -> { byte[] b = java.util.Arrays.copyOf(blob, blob.length + 1 + p % 7); yield b; } // extended
            default -> { // two flips at different places
                blob[p] ^= (byte) xor;
                blob[(p + 1 + xor) % blob.length] ^= (byte) 0x80;
                yield blob;
            }
        };
        try {
            CODEC.decode(ChunkKind.DATA, LABEL, mutated);
            throw new AssertionError("a mutated chunk decoded");
        } catch (CorruptChunkException expected) {
            // detected
        }
    }

    @Property
    void objectMetadataParserFailsCleanly(@ForAll("jsonish") String text) {
        try {
            ObjectMeta m = ObjectMeta.parse(text);
            assertThat(m.labels()).isNotEmpty();
        } catch (IllegalArgumentException expected) {
            // the only allowed failure
        }
    }

    @Property
    void keyRecordParserFailsCleanly(@ForAll("jsonish") String text) {
        try {
            KeyRecord.parse(text.getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException expected) {
            // allowed
        }
    }

    @Property
    void generationListAndRecordParsersFailCleanly(@ForAll("jsonish") String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        try {
            GenerationList.parse(b, 1);
        } catch (RepositoryException expected) {
            // allowed
        }
        try {
            GenerationRecord.parse(b);
        } catch (CorruptChunkException | RepositoryException expected) {
            // allowed
        }
    }

    @Provide
    Arbitrary<String> jsonish() {
        Arbitrary<String> fragments = Arbitraries.of("{", "}", "[", "]", ",", ":", "\"label\"", "\"labels\"", "\"lengths\"",
                "\"format\"", "\"obnam-key\"", "\"obnam-generation\"", "\"obnam-generation-list\"", "\"version\"", "1", "-1",
                "99999999999999999999", "0.5", "null", "true", "\"abc\"", "\"\"", "\"generations\"", "\"kdf\"",
                "\"memory_kib\"", "\"db_chunks\"", "\"counter\"", " ", "\"\\u0000\"", "\"a/../b\"");
        return Arbitraries.oneOf(
                fragments.list().ofMaxSize(40).map(l -> String.join("", l)),
                Arbitraries.strings().ofMaxLength(200));
    }
}
