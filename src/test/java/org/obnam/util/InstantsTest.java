package org.obnam.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** Instants.parse must give what Instant.parse gives, for every string. */
class InstantsTest {
    // 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z
    private static final long FIRST = -62_167_219_200L;
    private static final long LAST = 253_402_300_799L;

    @Property
    void readsWhatInstantToStringWrites(@ForAll @LongRange(min = FIRST, max = LAST) long seconds,
            @ForAll @IntRange(min = 0, max = 999_999_999) int nanos) {
        Instant i = Instant.ofEpochSecond(seconds, nanos);
        assertThat(Instants.parse(i.toString())).isEqualTo(i);
        Instant whole = Instant.ofEpochSecond(seconds);
        assertThat(Instants.parse(whole.toString())).isEqualTo(whole);
    }

    @Property
    void agreesWithInstantParseOnAnyFractionLength(@ForAll @LongRange(min = FIRST, max = LAST) long seconds,
            @ForAll @IntRange(min = 1, max = 9) int digits, @ForAll @IntRange(min = 0, max = 999_999_999) int fraction) {
        String f = String.format("%09d", fraction).substring(0, digits);
        String text = Instant.ofEpochSecond(seconds).toString().replace("Z", "." + f + "Z");
        assertThat(Instants.parse(text)).isEqualTo(Instant.parse(text));
    }

    @Property(tries = 2000)
    void agreesWithInstantParseOnDamagedText(@ForAll("damaged") String text) {
        Instant expected;
        try {
            expected = Instant.parse(text);
        } catch (DateTimeParseException e) {
            assertThatThrownBy(() -> Instants.parse(text)).as(text).isInstanceOf(DateTimeParseException.class);
            return;
        }
        assertThat(Instants.parse(text)).as(text).isEqualTo(expected);
    }

    @Provide
    Arbitrary<String> damaged() {
        Arbitrary<String> valid = Arbitraries.longs().between(FIRST, LAST).map(s -> Instant.ofEpochSecond(s, 123_000_000).toString());
        Arbitrary<Character> junk = Arbitraries.of('0', '9', '-', ':', 'T', 'Z', '.', 'x', ' ', '6', '2');
        return Arbitraries.oneOf(
                valid.flatMap(v -> Arbitraries.integers().between(0, v.length() - 1)
                        .flatMap(at -> junk.map(c -> v.substring(0, at) + c + v.substring(at + 1)))),
                valid.flatMap(v -> Arbitraries.integers().between(0, v.length() - 1).map(at -> v.substring(0, at) + v.substring(at + 1))),
                Arbitraries.strings().withChars("0123456789-:TZ.").ofMinLength(18).ofMaxLength(31));
    }

    @Test
    void invalidDatesAndTimesAreRefusedAndOddOnesReadAsInstantParseReadsThem() {
        for (String bad : new String[] {"2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-27T24:00:01Z",
                "2026-11-27T20:60:00Z", "2026-11-27T20:12:01.1234567890Z", "2026-11-27 20:12:01Z"}) {
            assertThatThrownBy(() -> Instants.parse(bad)).as(bad).isInstanceOf(DateTimeParseException.class);
        }
        for (String odd : new String[] {"2026-11-27T23:59:60Z", "2026-11-27T20:12:01.Z", "2026-11-27T24:00:00Z"}) {
            assertThat(Instants.parse(odd)).as(odd).isEqualTo(Instant.parse(odd));
        }
    }
}
