package org.obnam.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.obnam.store.ObjectId;

class ChunkPlacesTest {
    private static long id(int i) {
        return ChunkPlaces.objectHash(new ObjectId("%032x".formatted(i * 2654435761L & 0xffffffffL)));
    }

    @Test
    void everyPlaceAddedIsFoundAndFewOthersAre() {
        ChunkPlaces places = new ChunkPlaces();
        Random r = new Random(1);
        int objects = 600;
        long[][] labels = new long[objects][512];
        for (int o = 0; o < objects; o++) { // 307,200 chunks: four filters
            for (int c = 0; c < 512; c++) {
                labels[o][c] = r.nextLong();
                places.add(id(o), c * 16_384L, 16_384, labels[o][c]);
            }
        }
        int falsePositives = 0;
        for (int o = 0; o < objects; o++) {
            for (int c = 0; c < 512; c++) {
                assertThat(places.contains(id(o), c * 16_384L, 16_384, labels[o][c])).isTrue();
                // The same place under another label, another object's chunk, another length: a swap.
                if (places.contains(id(o), c * 16_384L, 16_384, labels[o][c] ^ 1)) {
                    falsePositives++;
                }
                if (places.contains(id(o + objects), c * 16_384L, 16_384, labels[o][c])) {
                    falsePositives++;
                }
                if (places.contains(id(o), c * 16_384L, 16_383, labels[o][c])) {
                    falsePositives++;
                }
            }
        }
        assertThat(falsePositives).as("of %d look-ups of places never added", 3 * objects * 512)
                .isLessThan(3 * objects * 512 / 300);
    }
}
