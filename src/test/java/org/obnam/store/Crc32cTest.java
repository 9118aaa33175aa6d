package org.obnam.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.zip.CRC32C;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class Crc32cTest {
    private static int crc(byte[]... parts) {
        CRC32C c = new CRC32C();
        for (byte[] p : parts) {
            c.update(p);
        }
        return (int) c.getValue();
    }

    @Property(tries = 300)
    void combiningTheCrcsOfTwoPartsGivesTheCrcOfBoth(@ForAll @Size(max = 3000) byte[] a, @ForAll @Size(max = 3000) byte[] b) {
        assertThat(Crc32c.combine(crc(a), crc(b), b.length)).isEqualTo(crc(a, b));
        assertThat(Crc32c.of(b, 0, b.length)).isEqualTo(crc(b));
    }

    @Test
    void combiningWorksForLongSecondPartsAndChainsFromTheEmptyCrc() {
        byte[] a = "the first part".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] big = new byte[9 << 20];
        new java.util.Random(1).nextBytes(big);
        assertThat(Crc32c.combine(crc(a), crc(big), big.length)).isEqualTo(crc(a, big));
        assertThat(Crc32c.combine(0, crc(a), a.length)).isEqualTo(crc(a));
        assertThat(Crc32c.combine(crc(a), crc(), 0)).isEqualTo(crc(a));
    }
}
