package org.obnam.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class ObjectIdTest {
    private static final String GRAMMAR = "[A-Za-z0-9][A-Za-z0-9_-]{0,127}";

    @Property
    void idCheckAcceptsExactlyTheDocumentedGrammar(
            @ForAll @StringLength(max = 140) @CharRange(from = '!', to = '~') @Chars({'\u00e9', ' ', '\0', '/'}) String s) {
        assertThat(ObjectId.isValid(s)).isEqualTo(s.matches(GRAMMAR));
    }

    @Property
    void idsMadeOfAllowedCharactersPassUpTo128(
            @ForAll @StringLength(min = 1, max = 130) @CharRange(from = 'a', to = 'f') @CharRange(from = '0', to = '9')
                    @Chars({'_', '-', 'Z'}) String s) {
        assertThat(ObjectId.isValid(s)).isEqualTo(s.matches(GRAMMAR));
    }

    @Test
    void pathsAndEmptyIdsAreRefused() {
        for (String bad : new String[] {"", "..", "-abc", "_abc", "a/b", "a.b", "a b", "x".repeat(129)}) {
            assertThat(ObjectId.isValid(bad)).as(bad).isFalse();
            assertThatThrownBy(() -> new ObjectId(bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(ObjectId.isValid(null)).isFalse();
        assertThat(ObjectId.isValid(ObjectId.random().value())).isTrue();
        assertThat(ObjectId.isValid("x".repeat(128))).isTrue();
    }
}
