package org.obnam.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RawPathTest {
    private static final int TRIES = 3_000;

    private static RawPath p(String s) {
        return RawPath.ofUtf8(s);
    }

    private static RawName n(String s) {
        return RawName.ofUtf8(s);
    }

    @Test
    void normalisation() {
        assertThat(p("/a//b/").toString()).isEqualTo("/a/b");
        assertThat(p("a/./b/.").toString()).isEqualTo("a/b");
        assertThat(p("///")).isEqualTo(RawPath.root());
        assertThat(p("./")).isEqualTo(RawPath.current());
        assertThat(RawPath.current().toString()).isEqualTo(".");
        assertThat(new String(RawPath.current().bytes())).isEqualTo(".");
        assertThat(RawPath.root().toString()).isEqualTo("/");
        assertThatThrownBy(() -> p("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> p("/a/../b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RawPath.of(new byte[] {'a', 0})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void resolveParentAndFileName() {
        assertThat(RawPath.root().resolve(n("a"))).isEqualTo(p("/a"));
        assertThat(p("/a").resolve(n("b"))).isEqualTo(p("/a/b"));
        assertThat(RawPath.current().resolve(n("b"))).isEqualTo(p("b"));
        assertThat(p("/a").resolve(p("b/c"))).isEqualTo(p("/a/b/c"));
        assertThat(RawPath.root().resolve(p("b/c"))).isEqualTo(p("/b/c"));
        assertThat(p("/a").resolve(RawPath.current())).isEqualTo(p("/a"));
        assertThatThrownBy(() -> p("/a").resolve(p("/etc"))).isInstanceOf(IllegalArgumentException.class);

        assertThat(p("/a/b").parent()).isEqualTo(p("/a"));
        assertThat(p("/a").parent()).isEqualTo(RawPath.root());
        assertThat(RawPath.root().parent()).isNull();
        assertThat(p("a/b").parent()).isEqualTo(p("a"));
        assertThat(p("a").parent()).isNull();
        assertThat(RawPath.current().parent()).isNull();

        assertThat(p("/a/b").fileName()).isEqualTo(n("b"));
        assertThat(p("a").fileName()).isEqualTo(n("a"));
        assertThat(RawPath.root().fileName()).isNull();

        assertThat(p("/a/b/c").names()).containsExactly(n("a"), n("b"), n("c"));
        assertThat(RawPath.root().names()).isEmpty();
        assertThat(p("/a").isAbsolute()).isTrue();
        assertThat(p("a").isAbsolute()).isFalse();
    }

    @Test
    void startsWithAndRelativeToWorkByComponents() {
        assertThat(p("/a/b/c").relativeTo(p("/a"))).isEqualTo(p("b/c"));
        assertThat(p("/a/b/c").relativeTo(RawPath.root())).isEqualTo(p("a/b/c"));
        assertThat(p("/a").relativeTo(p("/a"))).isEqualTo(RawPath.current());
        assertThat(p("a/b").relativeTo(RawPath.current())).isEqualTo(p("a/b"));
        assertThat(p("/ab").startsWith(p("/a"))).isFalse();
        assertThat(p("/a/b").startsWith(p("/a"))).isTrue();
        assertThat(p("/a").startsWith(p("/a/b"))).isFalse();
        assertThat(p("a").startsWith(p("/a"))).isFalse();
        assertThatThrownBy(() -> p("/ab").relativeTo(p("/a"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringRoundTripsThroughFromEscaped() {
        Random r = RandomBytes.random();
        for (int i = 0; i < TRIES; i++) {
            RawPath path = RandomBytes.path(r);
            assertThat(RawPath.fromEscaped(path.toString())).as("seed %d", RandomBytes.SEED).isEqualTo(path);
            assertThat(RawPath.of(path.bytes())).isEqualTo(path);
        }
        assertThat(RawPath.fromEscaped("/srv/caf\\xe9").bytes())
                .isEqualTo(new byte[] {'/', 's', 'r', 'v', '/', 'c', 'a', 'f', (byte) 0xe9});
    }

    @Test
    void namesRebuildThePath() {
        Random r = RandomBytes.random();
        for (int i = 0; i < TRIES; i++) {
            RawPath path = RandomBytes.path(r);
            RawPath rebuilt = path.isAbsolute() ? RawPath.root() : RawPath.current();
            for (RawName name : path.names()) {
                rebuilt = rebuilt.resolve(name);
            }
            assertThat(rebuilt).isEqualTo(path);
            if (path.parent() != null) {
                assertThat(path.parent().resolve(path.fileName())).isEqualTo(path);
                assertThat(path.startsWith(path.parent())).isTrue();
                assertThat(path.relativeTo(path.parent())).isEqualTo(RawPath.of(path.fileName()));
            }
        }
    }

    @Test
    void orderingIsUnsignedOverThePathBytes() {
        Random r = RandomBytes.random();
        List<RawPath> paths = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            paths.add(RandomBytes.path(r));
        }
        for (RawPath x : paths.subList(0, 50)) {
            for (RawPath y : paths) {
                int expected = Integer.signum(java.util.Arrays.compareUnsigned(bytesOf(x), bytesOf(y)));
                assertThat(Integer.signum(x.compareTo(y))).isEqualTo(expected);
                assertThat(x.compareTo(y) == 0).isEqualTo(x.equals(y));
            }
        }
    }

    private static byte[] bytesOf(RawPath p) {
        return p.equals(RawPath.current()) ? new byte[0] : p.bytes();
    }
}
