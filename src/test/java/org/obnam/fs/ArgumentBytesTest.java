package org.obnam.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** Arguments that are not UTF-8 survive as surrogate escapes and turn back into their bytes. */
class ArgumentBytesTest {
    @Property
    void anyBytesRoundTrip(@ForAll byte[] raw) {
        String escaped = ArgumentBytes.escape(raw);
        assertThat(ArgumentBytes.bytes(escaped)).isEqualTo(raw);
        boolean validUtf8 = java.util.Arrays.equals(new String(raw, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8), raw);
        assertThat(ArgumentBytes.hasEscapedBytes(escaped)).isEqualTo(!validUtf8);
    }

    @Property
    void validTextIsUnchanged(@ForAll String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        String decoded = new String(utf8, StandardCharsets.UTF_8); // lone surrogates in text become '?'
        assertThat(ArgumentBytes.escape(utf8)).isEqualTo(decoded);
        assertThat(ArgumentBytes.hasEscapedBytes(decoded)).isFalse();
        assertThat(ArgumentBytes.bytes(decoded)).isEqualTo(utf8);
    }

    @Test
    void bytesThatAreNotUtf8BecomeLoneSurrogates() {
        byte[] raw = {'r', '_', (byte) 0xff, (byte) 0xc3, (byte) 0xa9, (byte) 0xc3};
        assertThat(ArgumentBytes.escape(raw)).isEqualTo("r_\uDCFF\u00E9\uDCC3");
        assertThat(ArgumentBytes.bytes("r_\uDCFF\u00E9\uDCC3")).isEqualTo(raw);
        assertThat(ArgumentBytes.bytes("\uD83D\uDE00")).isEqualTo("\uD83D\uDE00".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void argumentsThatWereDecodedWithoutLossAreLeftAlone() {
        String[] args = {"restore", "latest", "caf\u00E9"};
        assertThat(ArgumentBytes.recover(args)).isSameAs(args);
    }
}
