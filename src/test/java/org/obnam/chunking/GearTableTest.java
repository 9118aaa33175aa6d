package org.obnam.chunking;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Pins the gear table and the cut-point definition. Chunk boundaries are part of the repository
 * format: if one of these tests fails, you have changed which chunks existing repositories dedup
 * against. Do not update the expected values without a repository format version bump.
 */
class GearTableTest {

    @Test
    void gearTableIsPinned() throws Exception {
        long[] table = Chunker.gearTable();
        assertThat(table).hasSize(256);
        ByteBuffer bytes = ByteBuffer.allocate(256 * 8); // big-endian
        for (long v : table) {
            bytes.putLong(v);
        }
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes.array());
        assertThat(HexFormat.of().formatHex(digest)).isEqualTo("d9125b35d7e3f6699a05f974b5ad4293f4b447555e5764acaea2424b7493cdf2");
        assertThat(table[0]).isEqualTo(0xa82468f169c854e8L);
        assertThat(table[255]).isEqualTo(0x497040a5992a7a4cL);
    }

    @Test
    void gearTableEntriesAreDistinct() {
        long[] table = Chunker.gearTable();
        assertThat(Arrays.stream(table).distinct().count()).isEqualTo(256);
    }

    @Test
    void masksAreBitRunsBelowBit63() {
        Chunker c = new Chunker(ChunkerParams.forMaxSize(4 * 1024 * 1024)); // average 2^20
        assertThat(c.maskS()).isEqualTo(((1L << 22) - 1) << (63 - 22));
        assertThat(c.maskL()).isEqualTo(((1L << 18) - 1) << (63 - 18));
    }
}
