package org.obnam.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The bytes of a command-line argument that is not valid UTF-8, such as a file name of raw
 * bytes. The JVM decodes {@code argv} before {@code main} sees it and turns every byte it cannot
 * decode into U+FFFD, so {@code r_\xff} and {@code r_\xfe} both arrived as {@code r_\uFFFD}, and
 * a restore into either went to a third directory. {@link #remember} keeps the program's
 * arguments as the kernel has them ({@code /proc/self/cmdline}) when any was decoded with loss;
 * {@link #bytesOf} gives an argument's own bytes back. Only where a file name is meant: other
 * arguments keep the JVM's decoding, so that, say, a passphrase given as an argument derives the
 * same key as it always did.
 */
public final class ArgumentBytes {
    private static volatile String[] decoded = new String[0];
    private static volatile List<byte[]> raw = List.of();

    private ArgumentBytes() {}

    /** Keeps the raw bytes of {@code args} (as {@code main} got them) if any of them lost bytes. */
    public static void remember(String[] args) {
        boolean lossy = false;
        for (String a : args) {
            lossy |= a.indexOf('\uFFFD') >= 0;
        }
        if (!lossy) {
            return;
        }
        List<byte[]> all;
        try {
            all = Proc.commandLine();
        } catch (IOException | RuntimeException e) {
            return;
        }
        if (all.size() < args.length) {
            return;
        }
        // The program's own arguments are the last ones, after the JVM's options and the class.
        List<byte[]> mine = List.copyOf(all.subList(all.size() - args.length, all.size()));
        for (int i = 0; i < args.length; i++) {
            if (!new String(mine.get(i), StandardCharsets.UTF_8).equals(args[i])) {
                return; // not the arguments main got
            }
        }
        raw = mine;
        decoded = args.clone();
    }

    /**
     * The bytes of the argument that {@code main} got as {@code arg}: its UTF-8 encoding when it
     * lost nothing in decoding; otherwise the command line's bytes, or null when they cannot be
     * told (not remembered, or two arguments that differ only in bytes that were lost).
     */
    public static byte[] bytesOf(String arg) {
        return bytesOf(arg, decoded, raw);
    }

    static byte[] bytesOf(String arg, String[] decoded, List<byte[]> raw) {
        if (arg.indexOf('\uFFFD') < 0) {
            return arg.getBytes(StandardCharsets.UTF_8);
        }
        byte[] found = null;
        for (int i = 0; i < decoded.length && i < raw.size(); i++) {
            if (decoded[i].equals(arg)) {
                if (found != null && !Arrays.equals(found, raw.get(i))) {
                    return null;
                }
                found = raw.get(i);
            }
        }
        return found == null ? null : found.clone();
    }
}
