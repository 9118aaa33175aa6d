package org.obnam.restore;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CreateLatencyWatchTest {
    private static final long FAST = 15_000;
    private static final long SLOW = 300_000;

    /** Feeds one window; returns whether it asked for a move. */
    private static boolean window(CreateLatencyWatch watch, int slow) {
        boolean moved = false;
        for (int i = 0; i < CreateLatencyWatch.WINDOW; i++) {
            boolean asked = watch.slowAfter(i < slow ? SLOW : FAST);
            assertThat(asked && i < CreateLatencyWatch.WINDOW - 1).as("a move only at the end of a window").isFalse();
            moved |= asked;
        }
        return moved;
    }

    @Test
    void fastCreatesNeverAskForAMove() {
        CreateLatencyWatch watch = new CreateLatencyWatch();
        for (int w = 0; w < 100; w++) {
            assertThat(window(watch, 0)).isFalse();
        }
        assertThat(watch.moves()).isZero();
    }

    @Test
    void aFewSlowCreatesInAWindowDoNotAskForAMove() {
        CreateLatencyWatch watch = new CreateLatencyWatch();
        assertThat(window(watch, CreateLatencyWatch.SLOW_IN_WINDOW - 1)).isFalse();
        // one very slow create (a page fault, a preempted thread) is not a slow group
        for (int i = 0; i < CreateLatencyWatch.WINDOW - 1; i++) {
            assertThat(watch.slowAfter(FAST)).isFalse();
        }
        assertThat(watch.slowAfter(50_000_000)).isFalse();
        assertThat(watch.moves()).isZero();
    }

    @Test
    void aWindowOfMostlySlowCreatesAsksForAMove() {
        CreateLatencyWatch watch = new CreateLatencyWatch();
        assertThat(window(watch, CreateLatencyWatch.SLOW_IN_WINDOW)).isTrue();
        assertThat(watch.moves()).isEqualTo(1);
        assertThat(window(watch, 0)).isFalse();
        assertThat(window(watch, CreateLatencyWatch.WINDOW)).isTrue();
        assertThat(watch.moves()).isEqualTo(2);
    }

    @Test
    void restartDropsTheCreatesOfTheWindowSoFar() {
        CreateLatencyWatch watch = new CreateLatencyWatch();
        for (int i = 0; i < CreateLatencyWatch.WINDOW - 1; i++) {
            watch.slowAfter(SLOW);
        }
        watch.restart();
        assertThat(window(watch, CreateLatencyWatch.SLOW_IN_WINDOW - 1)).isFalse();
    }

    /** Feeds windows whose slow creates {@code pattern} gives in turn; returns how many moves were asked for. */
    private static int moves(CreateLatencyWatch watch, int... pattern) {
        int asked = 0;
        for (int slow : pattern) {
            asked += window(watch, slow) ? 1 : 0;
        }
        return asked;
    }

    private static int[] repeat(int times, int... windows) {
        int[] all = new int[times * windows.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = windows[i % windows.length];
        }
        return all;
    }

    @Test
    void onAFileSystemSlowEverywhereMovesStopAfterTheFutileOnes() {
        CreateLatencyWatch watch = new CreateLatencyWatch();
        int slow = CreateLatencyWatch.WINDOW;
        assertThat(moves(watch, repeat(10 * CreateLatencyWatch.MAX_FUTILE, slow))).isEqualTo(CreateLatencyWatch.MAX_FUTILE);
        assertThat(moves(watch, 0, slow)).as("given up for good").isZero();
    }

    @Test
    void movesThatHelpAreLimitedOnlyInAll() {
        // Many groups emptied lately: each move finds a fast group for a while, then a slow one.
        CreateLatencyWatch watch = new CreateLatencyWatch();
        int rounds = 10 * CreateLatencyWatch.MAX_MOVES;
        assertThat(moves(watch, repeat(rounds, CreateLatencyWatch.WINDOW, 0))).isEqualTo(CreateLatencyWatch.MAX_MOVES);
    }

    @Test
    void aFileSystemSlowAboutHalfTheTimeGetsNoMoreMovesThanTheLimit() {
        java.util.Random random = new java.util.Random(5);
        CreateLatencyWatch watch = new CreateLatencyWatch();
        int asked = 0;
        for (int i = 0; i < 1_000_000; i++) {
            asked += watch.slowAfter(random.nextDouble() < 0.7 ? 300_000 : 20_000) ? 1 : 0;
        }
        assertThat(asked).isEqualTo(CreateLatencyWatch.MAX_MOVES);
    }

    @Test
    void aFastWindowEndsARunOfFutileMoves() {
        CreateLatencyWatch watch = new CreateLatencyWatch();
        int[] round = repeat(CreateLatencyWatch.MAX_FUTILE, CreateLatencyWatch.WINDOW);
        round[round.length - 1] = 0; // MAX_FUTILE - 1 slow windows, then a fast one
        assertThat(moves(watch, round)).isEqualTo(CreateLatencyWatch.MAX_FUTILE - 1);
        assertThat(moves(watch, round)).as("the count of futile moves starts again")
                .isEqualTo(CreateLatencyWatch.MAX_FUTILE - 1);
        assertThat(moves(watch, round)).as("up to the limit in all")
                .isEqualTo(CreateLatencyWatch.MAX_MOVES - 2 * (CreateLatencyWatch.MAX_FUTILE - 1));
    }
}
