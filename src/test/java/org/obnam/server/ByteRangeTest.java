package org.obnam.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteRangeTest {
    private static int status(String header, long size) {
        try {
            ByteRange.parse(header, size);
            return 0;
        } catch (ApiError e) {
            return e.status();
        }
    }

    @Test
    void closedOpenAndSuffixRanges() throws Exception {
        assertThat(ByteRange.parse("bytes=2-4", 10)).isEqualTo(new ByteRange(2, 4));
        assertThat(ByteRange.parse("bytes=2-", 10)).isEqualTo(new ByteRange(2, 9));
        assertThat(ByteRange.parse("bytes=-3", 10)).isEqualTo(new ByteRange(7, 9));
        assertThat(ByteRange.parse("bytes=-30", 10)).isEqualTo(new ByteRange(0, 9));
        assertThat(ByteRange.parse("bytes=5-100", 10)).isEqualTo(new ByteRange(5, 9));
        assertThat(new ByteRange(5, 9).contentRange(10)).isEqualTo("bytes 5-9/10");
    }

    @Test
    void rangesOutsideTheBodyAreUnsatisfiable() {
        assertThat(status("bytes=10-", 10)).isEqualTo(416);
        assertThat(status("bytes=10-20", 10)).isEqualTo(416);
        assertThat(status("bytes=-0", 10)).isEqualTo(416);
        assertThat(status("bytes=0-0", 0)).isEqualTo(416);
    }

    @Test
    void malformedRangesAreBadRequests() {
        for (String bad : new String[] {"bytes=", "bytes=-", "bytes=4-2", "items=0-1", "bytes=0-1,3-4", "bytes=a-b",
            "bytes=99999999999999999999-"}) {
            assertThat(status(bad, 10)).as(bad).isEqualTo(400);
        }
    }

    @Test
    void unsatisfiableSaysTheSize() {
        assertThatThrownBy(() -> ByteRange.parse("bytes=50-", 10))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.body().path("size").asLong()).isEqualTo(10);
                    assertThat(e.headers()).containsEntry("Content-Range", "bytes */10");
                });
    }
}
