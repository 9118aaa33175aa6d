package org.obnam.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class ObjectMetaTest {
    private static final String GRAMMAR = "[A-Za-z0-9._:+=-]{1,128}";

    @Property
    void labelCheckAcceptsExactlyTheDocumentedGrammar(
            @ForAll @StringLength(max = 140) @CharRange(from = '!', to = '~') @Chars({'\u00e9', ' ', '\0'}) String s) {
        assertThat(ObjectMeta.isValidLabel(s)).isEqualTo(s.matches(GRAMMAR));
    }

    @Property
    void labelsMadeOfAllowedCharactersPassUpTo128(
            @ForAll @StringLength(min = 1, max = 130) @CharRange(from = 'a', to = 'z') @CharRange(from = '0', to = '9')
                    @Chars({'.', '_', ':', '+', '=', '-', 'A', 'Z'}) String s) {
        assertThat(ObjectMeta.isValidLabel(s)).isEqualTo(s.length() <= 128);
    }

    @Test
    void lengthsThatWouldOverflowAreRefusedNotWrapped() {
        ObjectMeta meta = ObjectMeta.parse("{\"labels\":[\"a\",\"b\"],\"lengths\":[9223372036854775807,2]}");
        assertThatThrownBy(() -> meta.ranges(10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("add up to more than the body's 10 bytes");
        ObjectMeta twice = ObjectMeta.parse("{\"labels\":[\"a\",\"b\"],\"lengths\":[9223372036854775807,9223372036854775807]}");
        assertThatThrownBy(() -> twice.ranges(Long.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ObjectMeta.pack(List.of("a", "b"), List.of(4L, 6L)).ranges(10)).hasSize(2);
    }

    @Test
    void aPackWithABadLabelIsRefusedWithTheGrammarInTheMessage() {
        assertThatThrownBy(() -> ObjectMeta.pack(List.of("ok", "not/ok"), List.of(1L, 2L)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[A-Za-z0-9._:+=-]");
        assertThat(ObjectMeta.isValidLabel(null)).isFalse();
        assertThat(ObjectMeta.isValidLabel("")).isFalse();
    }
}
