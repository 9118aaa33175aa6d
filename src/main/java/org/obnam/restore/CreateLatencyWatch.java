package org.obnam.restore;

/**
 * Notices when creating files has become slow where the restore is putting them. On ext4 without
 * a journal, a block group whose inodes were freed in the last minutes makes every new inode there
 * cost a look at each of them: a file that takes 10 to 50 µs to create elsewhere takes 100 µs to
 * several ms there, and a 50,000-file restore 10 to 35 s instead of 2. A window is slow when most
 * of its creates are, so that a single slow one (a page fault, the thread preempted) does not
 * count. A move is futile when the first window after it is slow too. The watch gives up after
 * {@link #MAX_FUTILE} futile moves in a row (ext4 may pick one freshly emptied group after another:
 * 13 in a row were seen) or {@link #MAX_MOVES} moves in all, so that a file system slow everywhere,
 * or slow about half the time, is not chased across the disk.
 */
final class CreateLatencyWatch {
    static final int WINDOW = 32;
    static final long SLOW_NANOS = 100_000;
    static final int SLOW_IN_WINDOW = 24;
    static final int MAX_FUTILE = 32;
    static final int MAX_MOVES = 64;

    private int samples;
    private int slowSamples;
    private int moves;
    private int futileInARow;
    private boolean fastSinceMove;
    private boolean givenUp;

    /** Records how long one create took; true when the window just filled was slow and a move is allowed. */
    boolean slowAfter(long nanos) {
        if (givenUp) {
            return false;
        }
        if (nanos > SLOW_NANOS) {
            slowSamples++;
        }
        if (++samples < WINDOW) {
            return false;
        }
        boolean slow = slowSamples >= SLOW_IN_WINDOW;
        restart();
        if (!slow) {
            fastSinceMove = true;
            futileInARow = 0;
            return false;
        }
        if (moves >= MAX_MOVES || moves > 0 && !fastSinceMove && ++futileInARow >= MAX_FUTILE) {
            givenUp = true;
            return false;
        }
        moves++;
        fastSinceMove = false;
        return true;
    }

    /** Starts a new window, so creates from before a move do not count after it. */
    void restart() {
        samples = 0;
        slowSamples = 0;
    }

    int moves() {
        return moves;
    }
}
