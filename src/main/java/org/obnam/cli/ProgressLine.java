package org.obnam.cli;

import java.util.function.Supplier;
import org.obnam.backup.Progress;

/**
 * A one-line progress display on a terminal (files, bytes, rate), redrawn at most five times a
 * second; nothing at all when output is not a terminal.
 */
final class ProgressLine implements Progress {
    private final String verb;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    private ProgressLine(String verb) {
        this.verb = verb;
    }

    static Progress forTerminal(String verb) {
        java.io.Console c = System.console();
        return c != null && c.isTerminal() ? new ProgressLine(verb) : Progress.NONE;
    }

    @Override
    public void update(long files, long bytes, Supplier<String> entry) {
        long now = System.nanoTime();
        if (now - lastDraw < 200_000_000L) {
            return;
        }
        lastDraw = now;
        String current = entry.get();
        double seconds = Math.max(0.001, (now - start) / 1e9);
        String line = verb + " " + files + " files, " + human(bytes) + ", " + human((long) (bytes / seconds)) + "/s  "
                + (current.length() > 40 ? "..." + current.substring(current.length() - 37) : current);
        Output.errorRaw("\r\033[K" + line);
        drawn = true;
    }

    static void clear(Progress p) {
        if (p instanceof ProgressLine l && l.drawn) {
            Output.errorRaw("\r\033[K");
        }
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
