package org.obnam.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Slices of the plaintext ring never overlap while in use, and room comes back in order. */
class PlaintextRingTest {

    /**
     * Random takes and out-of-order give-backs: every slice lies inside the ring, no two slices in
     * use share a byte (each is filled with its own mark and checked when given back), and a take
     * finds room whenever the ring is empty.
     */
    @Property(tries = 300)
    void slicesInUseNeverOverlap(@ForAll @IntRange(min = 16, max = 4096) int capacity,
            @ForAll @IntRange(min = 0, max = 8192) int expected,
            @ForAll @IntRange(min = 1, max = 4096) int smallStart,
            @ForAll @IntRange(min = 0, max = 4096) int bigSlice,
            @ForAll @Size(min = 1, max = 200) List<@IntRange(min = 0, max = 1 << 20) Integer> ops) {
        PlaintextRing ring = new PlaintextRing(capacity, smallStart, bigSlice, () -> false);
        if (expected > 0) {
            ring.expectAtMost(expected); // a smaller first array, grown when a longer slice comes
        }
        List<PlaintextRing.Slice> inUse = new ArrayList<>();
        List<Byte> marks = new ArrayList<>();
        byte nextMark = 1;
        for (int op : ops) {
            if (op % 3 == 0 && !inUse.isEmpty()) {
                int i = (op / 3) % inUse.size();
                PlaintextRing.Slice s = inUse.remove(i);
                byte mark = marks.remove(i);
                for (int k = 0; k < s.length(); k++) {
                    assertThat(s.array()[s.offset() + k]).as("byte %d of a slice", k).isEqualTo(mark);
                }
                ring.give(s);
                continue;
            }
            int length = 1 + op % capacity;
            PlaintextRing.Slice s = ring.tryTake(length, (op & 8) != 0);
            if (s == null) {
                assertThat(inUse).as("an empty ring has room for %d of %d bytes", length, capacity).isNotEmpty();
                continue;
            }
            assertThat(s.length()).isEqualTo(length);
            assertThat(s.offset()).isBetween(0, s.array().length - length);
            assertThat(s.array().length).isLessThanOrEqualTo(capacity);
            java.util.Arrays.fill(s.array(), s.offset(), s.offset() + length, nextMark);
            inUse.add(s);
            marks.add(nextMark);
            nextMark = (byte) (nextMark == 127 ? 1 : nextMark + 1);
        }
        long sum = inUse.stream().mapToLong(PlaintextRing.Slice::length).sum();
        assertThat(ring.bytesInUse()).isEqualTo(sum);
        // the full array, and slices still out in the small one it replaced
        assertThat(sum).isLessThanOrEqualTo(capacity + Math.min(capacity, smallStart));
        for (PlaintextRing.Slice s : inUse) {
            ring.give(s);
        }
        assertThat(ring.bytesInUse()).isZero();
        assertThat(ring.tryTake(capacity, true)).as("all of an empty ring").isNotNull();
    }

    @Test
    void aRingStartsSmallAndAReadersSliceWithoutRoomMakesTheFullArrayWhileSmallOnesAreOut() {
        PlaintextRing ring = new PlaintextRing(1000, 100, 40, () -> false);
        List<PlaintextRing.Slice> small = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            PlaintextRing.Slice s = ring.tryTake(10, false);
            assertThat(s.array()).as("small files share the small array").hasSize(100);
            java.util.Arrays.fill(s.array(), s.offset(), s.offset() + 10, (byte) i);
            small.add(s);
        }
        assertThat(ring.tryTake(10, false)).as("a small file waits: the small array is full").isNull();
        PlaintextRing.Slice read = ring.tryTake(10, true);
        assertThat(read.array()).as("a reader's slice, at once").hasSize(1000);
        java.util.Arrays.fill(read.array(), read.offset(), read.offset() + 10, (byte) 99);
        assertThat(ring.bytesInUse()).isEqualTo(110);
        assertThat(ring.tryTake(5, false).array()).as("every slice from now on").isSameAs(read.array());
        for (int i = 0; i < 10; i++) {
            PlaintextRing.Slice s = small.get(i);
            for (int k = 0; k < 10; k++) {
                assertThat(s.array()[s.offset() + k]).as("small slice %d kept its bytes", i).isEqualTo((byte) i);
            }
            ring.give(s);
        }
        assertThat(ring.bytesInUse()).isEqualTo(15);
        assertThatThrownBy(() -> ring.give(small.get(0))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void smallFilesNeverGrowTheRingWhateverTheirNumber() {
        PlaintextRing ring = new PlaintextRing(1000, 100, 40, () -> false);
        for (int i = 0; i < 50; i++) {
            PlaintextRing.Slice s = ring.tryTake(30, false);
            assertThat(s.array()).hasSize(100);
            ring.give(s);
        }
        PlaintextRing.Slice a = ring.tryTake(40, false);
        PlaintextRing.Slice b = ring.tryTake(40, false);
        assertThat(ring.tryTake(30, false)).as("no room, and no growing").isNull();
        ring.give(a);
        assertThat(ring.tryTake(30, false).array()).isSameAs(b.array()).hasSize(100);
    }

    @Test
    void aReadersSliceStaysInTheSmallArrayWhileItFits() {
        PlaintextRing ring = new PlaintextRing(1000, 100, 40, () -> false);
        PlaintextRing.Slice a = ring.tryTake(30, true);
        PlaintextRing.Slice b = ring.tryTake(40, true);
        assertThat(a.array()).hasSize(100).isSameAs(b.array());
        PlaintextRing.Slice c = ring.tryTake(35, true);
        assertThat(c.array()).as("no room left for 35 bytes").hasSize(1000);
        ring.give(a);
        ring.give(b);
        ring.give(c);
        assertThat(ring.bytesInUse()).isZero();
    }

    @Test
    void aSmallRingToldToExpectLittleGrowsOnlyToThatForLongerSlices() {
        PlaintextRing ring = new PlaintextRing(1000, 100, 40, () -> false);
        PlaintextRing.Slice small = ring.tryTake(10, false);
        ring.expectAtMost(400);
        PlaintextRing.Slice a = ring.tryTake(200, true);
        assertThat(a.array()).hasSize(400).isNotSameAs(small.array());
        ring.give(small);
        ring.expectAtMost(50); // never below the array it has
        assertThat(ring.tryTake(150, true).array()).isSameAs(a.array());
    }

    @Test
    void aRingWhoseFirstSliceIsLongMakesOnlyItsFullArray() {
        PlaintextRing ring = new PlaintextRing(1000, 100, 40, () -> false);
        assertThat(ring.tryTake(50, false).array()).hasSize(1000);
    }

    @Test
    void aRingToldToExpectLittleKeepsItsArrayForLongerSlicesThatFit() {
        PlaintextRing ring = new PlaintextRing(1000, 100, 10, () -> false);
        ring.expectAtMost(400);
        PlaintextRing.Slice a = ring.tryTake(200, true);
        assertThat(a.array()).hasSize(400);
        assertThat(ring.tryTake(200, true).array()).isSameAs(a.array());
    }

    @Test
    void aRingToldToExpectLittleMakesALittleArrayAndGrowsItOnlyWhenEmpty() {
        PlaintextRing ring = new PlaintextRing(1000, () -> false);
        ring.expectAtMost(100);
        PlaintextRing.Slice a = ring.tryTake(60, true);
        PlaintextRing.Slice b = ring.tryTake(40, true);
        assertThat(a.array()).hasSize(100).isSameAs(b.array());
        assertThat(ring.tryTake(50, true)).as("longer than the room left, while slices are out").isNull();
        ring.give(a);
        assertThat(ring.tryTake(500, true)).as("longer than the array, while a slice is out").isNull();
        ring.give(b);
        PlaintextRing.Slice c = ring.tryTake(500, true);
        assertThat(c.array()).as("an empty ring makes its full array").hasSize(1000);
        assertThat(c.offset()).isZero();
        ring.expectAtMost(10); // too late: the array is made
        ring.give(c);
        assertThat(ring.tryTake(1000, true).array()).hasSize(1000);
    }

    @Test
    void aRingToldNothingMakesItsFullArrayAtOnce() {
        PlaintextRing ring = new PlaintextRing(1000, () -> false);
        assertThat(ring.tryTake(1, true).array()).hasSize(1000);
        PlaintextRing huge = new PlaintextRing(1000, () -> false);
        huge.expectAtMost(Long.MAX_VALUE);
        assertThat(huge.tryTake(1, true).array()).hasSize(1000);
    }

    @Test
    void roomIsReusedOnlyOnceTheOldestSliceIsBack() {
        PlaintextRing ring = new PlaintextRing(100, () -> false);
        PlaintextRing.Slice a = ring.tryTake(40, true);
        PlaintextRing.Slice b = ring.tryTake(40, true);
        assertThat(ring.tryTake(30, true)).as("20 bytes left").isNull();
        ring.give(b); // not the oldest: its room stays taken
        assertThat(ring.tryTake(30, true)).isNull();
        ring.give(a);
        PlaintextRing.Slice c = ring.tryTake(100, true);
        assertThat(c.offset()).as("an empty ring starts at its beginning again").isZero();
        assertThat(ring.bytesInUse()).isEqualTo(100);
    }

    @Test
    void aSliceThatDoesNotFitAtTheEndStartsAtTheBeginning() {
        PlaintextRing ring = new PlaintextRing(100, () -> false);
        PlaintextRing.Slice a = ring.tryTake(30, true);
        PlaintextRing.Slice b = ring.tryTake(50, true);
        ring.give(a);
        PlaintextRing.Slice c = ring.tryTake(25, true); // 20 left at the end, 30 free at the start
        assertThat(c.offset()).isZero();
        assertThat(ring.tryTake(6, true)).as("only 5 bytes between the new slice and the old").isNull();
        PlaintextRing.Slice d = ring.tryTake(5, true);
        assertThat(d.offset()).isEqualTo(25);
        ring.give(b);
        assertThat(ring.tryTake(70, true).offset()).as("after d, up to the end").isEqualTo(30);
    }

    @Test
    @Timeout(10)
    void aTakeWaitsForRoomAndGetsItWhenASliceComesBack() throws Exception {
        PlaintextRing ring = new PlaintextRing(64, () -> false);
        PlaintextRing.Slice full = ring.take(64, true);
        CompletableFuture<PlaintextRing.Slice> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return ring.take(10, true);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThatThrownBy(() -> waiting.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        ring.give(full);
        assertThat(waiting.get(5, TimeUnit.SECONDS).offset()).isZero();
    }

    @Test
    @Timeout(10)
    void aWaitingTakeStopsWhenTheRunIsCancelled() throws Exception {
        AtomicBoolean cancelled = new AtomicBoolean();
        PlaintextRing ring = new PlaintextRing(64, cancelled::get);
        ring.take(60, true);
        CompletableFuture<Throwable> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                ring.take(10, true);
                return null;
            } catch (InterruptedException e) {
                return e;
            }
        });
        Thread.sleep(150);
        assertThat(waiting).isNotDone();
        cancelled.set(true);
        assertThat(waiting.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class)
                .hasMessageContaining("10 bytes");
    }

    @Test
    void badLengthsAndSecondGiveBacksAreRefused() throws Exception {
        PlaintextRing ring = new PlaintextRing(64, () -> false);
        assertThatThrownBy(() -> ring.take(0, true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ring.take(65, true)).isInstanceOf(IllegalArgumentException.class);
        PlaintextRing.Slice s = ring.take(8, true);
        ring.give(s);
        assertThatThrownBy(() -> ring.give(s)).isInstanceOf(IllegalStateException.class);
        assertThat(ring.bytesInUse()).isZero();
    }
}
