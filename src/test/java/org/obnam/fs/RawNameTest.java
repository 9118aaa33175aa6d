package org.obnam.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** RawName and the display escaping. The loops are property tests over seeded random bytes. */
class RawNameTest {
    private static final int TRIES = 5_000;

    private static byte[] b(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (byte) bytes[i];
        }
        return out;
    }

    @Test
    void escapingRoundTripsArbitraryBytes() {
        Random r = RandomBytes.random();
        for (int i = 0; i < TRIES; i++) {
            byte[] bytes = RandomBytes.any(r, 24);
            String shown = Escaping.escape(bytes);
            assertThat(Escaping.unescape(shown)).as("seed %d: %s", RandomBytes.SEED, shown).isEqualTo(bytes);
        }
    }

    @Test
    void nameToStringRoundTripsThroughFromEscaped() {
        Random r = RandomBytes.random();
        for (int i = 0; i < TRIES; i++) {
            RawName name = RandomBytes.name(r, 24);
            assertThat(RawName.fromEscaped(name.toString())).as("seed %d", RandomBytes.SEED).isEqualTo(name);
        }
    }

    @Test
    void displayFormHasNoControlCharacters() {
        Random r = RandomBytes.random();
        for (int i = 0; i < TRIES; i++) {
            String shown = Escaping.escape(RandomBytes.any(r, 24));
            assertThat(shown.chars()).as(shown).noneMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f));
        }
    }

    @Test
    void displayForm() {
        assertThat(RawName.of(b('a', 0xff, 0xfe, 'b')).toString()).isEqualTo("a\\xff\\xfeb");
        assertThat(RawName.ofUtf8("plain_é ✓ 𝄞").toString()).isEqualTo("plain_é ✓ 𝄞");
        assertThat(RawName.ofUtf8("back\\slash").toString()).isEqualTo("back\\\\slash");
        assertThat(RawName.ofUtf8("new\nline\u001b[31m").toString()).isEqualTo("new\\x0aline\\x1b[31m");
        assertThat(RawName.ofUtf8("c1\u009b").toString()).isEqualTo("c1\\xc2\\x9b");
        // Overlong encodings, surrogates and truncated sequences are not valid UTF-8.
        assertThat(RawName.of(b(0xc0, 0xaf)).toString()).isEqualTo("\\xc0\\xaf");
        assertThat(RawName.of(b(0xed, 0xa0, 0x80)).toString()).isEqualTo("\\xed\\xa0\\x80");
        assertThat(RawName.of(b('x', 0xe2, 0x82)).toString()).isEqualTo("x\\xe2\\x82");
        assertThat(RawName.of(b(0xf4, 0x90, 0x80, 0x80)).toString()).isEqualTo("\\xf4\\x90\\x80\\x80");
    }

    @Test
    void fromEscapedAcceptsUpperCaseHexAndRejectsBadEscapes() {
        assertThat(RawName.fromEscaped("caf\\xE9").bytes()).isEqualTo(b('c', 'a', 'f', 0xe9));
        assertThatThrownBy(() -> RawName.fromEscaped("a\\b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RawName.fromEscaped("a\\x4")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RawName.fromEscaped("a\\")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RawName.fromEscaped("a\\xzz")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void orderingIsUnsignedLexicographic() {
        Random r = RandomBytes.random();
        for (int i = 0; i < TRIES; i++) {
            RawName x = RandomBytes.name(r, 4);
            RawName y = RandomBytes.name(r, 4);
            assertThat(Integer.signum(x.compareTo(y))).as("%s vs %s", x, y).isEqualTo(reference(x.bytes(), y.bytes()));
            assertThat(x.compareTo(y) == 0).isEqualTo(x.equals(y));
            assertThat(Integer.signum(x.compareTo(y))).isEqualTo(-Integer.signum(y.compareTo(x)));
        }
        assertThat(RawName.of(b(0xff))).isGreaterThan(RawName.ofUtf8("z"));
        assertThat(RawName.ofUtf8("a")).isLessThan(RawName.ofUtf8("ab"));
    }

    /** Compares byte by byte as numbers 0..255; a prefix sorts first. */
    private static int reference(byte[] x, byte[] y) {
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = Integer.compare(x[i] & 0xff, y[i] & 0xff);
            if (c != 0) {
                return c;
            }
        }
        return Integer.signum(Integer.compare(x.length, y.length));
    }

    @Test
    void validationRejectsSlashNulDotsAndEmpty() {
        for (byte[] bad : new byte[][] {b(), b('.'), b('.', '.'), b('a', '/', 'b'), b('/'), b('a', 0), b(0)}) {
            assertThatThrownBy(() -> RawName.of(bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(RawName.ofUtf8("...").length()).isEqualTo(3);
        assertThat(RawName.ofUtf8(".hidden").toString()).isEqualTo(".hidden");
    }

    @Test
    void bytesAreCopiedInAndOut() {
        byte[] in = "abc".getBytes(StandardCharsets.UTF_8);
        RawName name = RawName.of(in);
        in[0] = 'z';
        name.bytes()[1] = 'z';
        assertThat(name.toString()).isEqualTo("abc");
        assertThat(name).isEqualTo(RawName.ofUtf8("abc")).hasSameHashCodeAs(RawName.ofUtf8("abc"));
    }
}
