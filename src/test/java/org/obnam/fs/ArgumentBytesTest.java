package org.obnam.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** An argument's bytes come back from the command line when the JVM's decoding lost some. */
class ArgumentBytesTest {
    private static final byte[] FF = {'r', '_', (byte) 0xff};
    private static final byte[] FE = {'r', '_', (byte) 0xfe};

    private static String decoded(byte[] raw) {
        return new String(raw, StandardCharsets.UTF_8); // as the JVM decodes argv in a UTF-8 locale
    }

    @Test
    void anArgumentThatLostBytesGetsItsOwnBack() {
        String[] args = {"restore", "latest", decoded(FF)};
        List<byte[]> raw = List.of("restore".getBytes(), "latest".getBytes(), FF);
        assertThat(decoded(FF)).isEqualTo(decoded(FE)).as("the JVM makes the two names one");
        assertThat(ArgumentBytes.bytesOf(decoded(FF), args, raw)).isEqualTo(FF);
    }

    @Test
    void twoArgumentsThatDifferOnlyInLostBytesCannotBeTold() {
        String[] args = {decoded(FF), decoded(FE)};
        assertThat(ArgumentBytes.bytesOf(decoded(FF), args, List.of(FF, FE))).isNull();
        assertThat(ArgumentBytes.bytesOf(decoded(FF), args, List.of(FF, FF))).isEqualTo(FF);
    }

    @Test
    void withNothingRememberedALossyArgumentHasNoBytes() {
        assertThat(ArgumentBytes.bytesOf(decoded(FF), new String[0], List.of())).isNull();
    }

    @Property
    void anArgumentThatLostNothingIsItsUtf8(@ForAll String text) {
        String arg = decoded(text.getBytes(StandardCharsets.UTF_8));
        if (arg.indexOf('\uFFFD') < 0) {
            assertThat(ArgumentBytes.bytesOf(arg, new String[] {arg}, List.of(new byte[0])))
                    .isEqualTo(arg.getBytes(StandardCharsets.UTF_8));
        }
    }
}
