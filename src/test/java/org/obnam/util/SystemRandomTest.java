package org.obnam.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SystemRandomTest {
    @Test
    void bytesLookUniformlyRandom() {
        byte[] b = SystemRandom.bytes(1 << 20);
        long[] counts = new long[256];
        for (byte x : b) {
            counts[x & 0xff]++;
        }
        // 4096 expected per value; a sd of 64, so 3,700..4,500 holds for all 256 except with
        // negligible probability, and a stuck or constant source fails at once.
        assertThat(java.util.Arrays.stream(counts).boxed().toList()).allSatisfy(c -> assertThat(c).isBetween(3_700L, 4_500L));
    }

    @Test
    void fillsFromManyThreadsNeverRepeat() {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        IntStream.range(0, 20_000).parallel().forEach(i -> seen.add(HexFormat.of().formatHex(SystemRandom.bytes(12))));
        assertThat(seen).hasSize(20_000);
    }
}
