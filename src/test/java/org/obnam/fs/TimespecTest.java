package org.obnam.fs;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** Timespec's equals and hashCode are written out; they must agree with each other and with compareTo. */
class TimespecTest {
    @Property
    void equalExactlyWhenTheSameInstant(@ForAll @LongRange(min = -3, max = 3) long s1, @ForAll @IntRange(min = 0, max = 2) int n1,
            @ForAll @LongRange(min = -3, max = 3) long s2, @ForAll @IntRange(min = 0, max = 2) int n2) {
        Timespec a = new Timespec(s1, n1);
        Timespec b = new Timespec(s2, n2);
        assertThat(a.equals(b)).isEqualTo(s1 == s2 && n1 == n2).isEqualTo(a.compareTo(b) == 0);
        if (a.equals(b)) {
            assertThat(a.hashCode()).isEqualTo(b.hashCode());
        }
    }

    @Property
    void equalToACopyAndToNothingElse(@ForAll long seconds, @ForAll @IntRange(min = 0, max = 999_999_999) int nanos) {
        Timespec t = new Timespec(seconds, nanos);
        assertThat(t).isEqualTo(new Timespec(seconds, nanos)).hasSameHashCodeAs(new Timespec(seconds, nanos));
        assertThat(t.equals(null)).isFalse();
        assertThat(t.equals(t.toString())).isFalse();
    }
}
