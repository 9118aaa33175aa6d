package org.obnam.restore;

/**
 * Notices when creating files has become slow where the restore is putting them. On ext4 without
 * a journal, a block group whose inodes were freed in the last minutes makes every new inode there
 * cost a look at each of them: a file that takes 10 to 50 µs to create elsewhere takes 100 µs to
 * several ms there, and a 50,000-file restore 10 to 35 s instead of 2. A window is slow when most
 * of its creates are, so that a single slow one (a page fault, the thread preempted) does not
 * count; a limit on the moves keeps a file system that is slow everywhere from being chased
 * across the disk.
 */
final class CreateLatencyWatch {
    static final int WINDOW = 32;
    static final long SLOW_NANOS = 100_000;
    static final int SLOW_IN_WINDOW = 24;
    static final int MAX_MOVES = 32;

    private int samples;
    private int slowSamples;
    private int moves;

    /** Records how long one create took; true when the window just filled was slow and a move is allowed. */
    boolean slowAfter(long nanos) {
        if (moves >= MAX_MOVES) {
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
        if (slow) {
            moves++;
        }
        return slow;
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
