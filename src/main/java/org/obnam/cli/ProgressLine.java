package org.obnam.cli;

import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.obnam.util.Progress;

/**
 * A one-line progress display on a terminal: entries, bytes, rate and, when the totals are known
 * (a restore), how much is left and an estimate of the time to go. A daemon thread redraws it
 * four times a second from what the run last reported, so the line keeps moving while one big
 * file is read or written; the run itself only stores numbers. Nothing at all when standard
 * error is not a terminal.
 */
final class ProgressLine implements Progress {
    private static final long REDRAW_MILLIS = 250;

    private final String verb;
    private final long start = System.nanoTime();
    private volatile long files;
    private volatile long bytes;
    private volatile Supplier<String> current = () -> "";
    private volatile LongSupplier live;
    private volatile long totalFiles = -1;
    private volatile long totalBytes = -1;
    private volatile Thread ticker;
    private boolean drawn;
    private boolean finished;

    ProgressLine(String verb) {
        this.verb = verb;
    }

    static Progress forTerminal(String verb) {
        java.io.Console c = System.console();
        return c != null && c.isTerminal() ? new ProgressLine(verb) : Progress.NONE;
    }

    @Override
    public void update(long files, long bytes, Supplier<String> current) {
        this.files = files;
        this.bytes = bytes;
        this.current = current;
        startTicker();
    }

    @Override
    public void liveBytes(LongSupplier soFar) {
        this.live = soFar;
        startTicker();
    }

    @Override
    public void expect(long files, long bytes) {
        this.totalFiles = files;
        this.totalBytes = bytes;
    }

    private void startTicker() {
        if (ticker == null) { // once: update is called for every file
            startTickerOnce();
        }
    }

    private synchronized void startTickerOnce() {
        if (ticker != null || finished) {
            return;
        }
        ticker = Thread.ofPlatform().daemon().name("obnam-progress").start(() -> {
            try {
                while (true) {
                    Thread.sleep(REDRAW_MILLIS);
                    draw();
                }
            } catch (InterruptedException e) {
                // finished
            }
        });
    }

    private synchronized void draw() {
        if (finished) {
            return;
        }
        Output.errorRaw("\r\033[K" + line((System.nanoTime() - start) / 1e9));
        drawn = true;
    }

    /** The text of the line after {@code seconds} of the run. */
    String line(double seconds) {
        LongSupplier l = live;
        if (l == null && files == 0 && bytes == 0 && totalFiles < 0) {
            return verb + ": " + current.get(); // a step, not a count (check)
        }
        long done = l != null ? l.getAsLong() : bytes;
        long rate = (long) (done / Math.max(0.001, seconds));
        StringBuilder b = new StringBuilder(verb).append(' ').append(files);
        if (totalFiles >= 0) {
            b.append(" of ").append(totalFiles);
        }
        b.append(" files, ").append(human(done));
        if (totalBytes >= 0) {
            b.append(" of ").append(human(totalBytes));
        } else if (l != null) {
            b.append(" read");
        }
        b.append(", ").append(human(rate)).append("/s");
        if (totalBytes > 0 && rate > 0 && done < totalBytes) {
            b.append(", ETA ").append(duration((totalBytes - done) / rate));
        }
        String name = current.get();
        if (!name.isEmpty()) {
            b.append("  ").append(name.length() > 40 ? "..." + name.substring(name.length() - 37) : name);
        }
        return b.toString();
    }

    /** Clears the line so that a message can be printed; the next redraw puts it back. */
    static void clear(Progress p) {
        if (p instanceof ProgressLine l) {
            synchronized (l) {
                if (l.drawn) {
                    Output.errorRaw("\r\033[K");
                    l.drawn = false;
                }
            }
        }
    }

    /** Prints a message on standard error above the line, which is redrawn after it. */
    static void printAbove(Progress p, String message) {
        if (p instanceof ProgressLine l) {
            synchronized (l) {
                clear(l);
                Output.error(message);
            }
        } else {
            Output.error(message);
        }
    }

    /** Stops redrawing and clears the line, for good. */
    static void finish(Progress p) {
        if (p instanceof ProgressLine l) {
            Thread t;
            synchronized (l) {
                clear(l);
                l.finished = true;
                t = l.ticker;
            }
            if (t != null) {
                t.interrupt();
            }
        }
    }

    /** Whole seconds as m:ss, or h:mm:ss from an hour on. */
    static String duration(long seconds) {
        long h = seconds / 3600;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        String ss = (s < 10 ? "0" : "") + s;
        return h > 0 ? h + ":" + (m < 10 ? "0" : "") + m + ":" + ss : m + ":" + ss;
    }

    /**
     * {@code v} with {@code digits} decimals, without String.format: that initialises the JDK's
     * locale data, which costs a noticeable part of a short command's run.
     */
    static String decimal(double v, int digits) {
        return java.math.BigDecimal.valueOf(v).setScale(digits, java.math.RoundingMode.HALF_UP).toPlainString();
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int i = -1;
        do {
            v /= 1024;
            i++;
        } while (v >= 1024 && i < units.length - 1);
        return decimal(v, 1) + " " + units[i];
    }
}
