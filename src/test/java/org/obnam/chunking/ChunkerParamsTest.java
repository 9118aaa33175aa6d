package org.obnam.chunking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChunkerParamsTest {

    @Test
    void defaultMaximumIsFourMebibytes() {
        ChunkerParams p = ChunkerParams.forMaxSize(4 * 1024 * 1024);
        assertThat(p.maxSize()).isEqualTo(4 * 1024 * 1024);
        assertThat(p.averageSize()).isEqualTo(1024 * 1024);
        assertThat(p.minSize()).isEqualTo(256 * 1024);
        assertThat(p.isFixedSize()).isFalse();
        assertThat(ChunkerParams.DEFAULT).isEqualTo(p);
    }

    @Test
    void averageIsAQuarterAndMinimumASixteenthOfTheMaximum() {
        ChunkerParams p = ChunkerParams.forMaxSize(1000);
        assertThat(p).isEqualTo(new ChunkerParams(62, 250, 1000));
        assertThat(ChunkerParams.forMaxSize(64)).isEqualTo(new ChunkerParams(4, 16, 64));
        assertThat(ChunkerParams.forMaxSize(64 * 1024 * 1024))
                .isEqualTo(new ChunkerParams(4 * 1024 * 1024, 16 * 1024 * 1024, 64 * 1024 * 1024));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 16, 63})
    void smallMaximaAreFixedSize(int max) {
        ChunkerParams p = ChunkerParams.forMaxSize(max);
        assertThat(p).isEqualTo(new ChunkerParams(max, max, max));
        assertThat(p.isFixedSize()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, -4194304, Integer.MIN_VALUE, 64 * 1024 * 1024 + 1, Integer.MAX_VALUE})
    void rejectsMaximaOutsideOneByteToSixtyFourMebibytes(int max) {
        assertThatThrownBy(() -> ChunkerParams.forMaxSize(max))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chunk size")
                .hasMessageContaining("between 1 byte and 64 MiB")
                .hasMessageContaining("got " + max);
    }

    @Test
    void constructorChecksOrdering() {
        assertThatThrownBy(() -> new ChunkerParams(0, 16, 64))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minimum chunk size");
        assertThatThrownBy(() -> new ChunkerParams(65, 100, 64))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minimum chunk size");
        assertThatThrownBy(() -> new ChunkerParams(16, 8, 64))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("average chunk size");
        assertThatThrownBy(() -> new ChunkerParams(16, 128, 64))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("average chunk size");
        assertThatThrownBy(() -> new ChunkerParams(1, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0");
    }
}
