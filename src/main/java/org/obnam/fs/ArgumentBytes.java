package org.obnam.fs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Command-line arguments that are not valid UTF-8, such as a file name of raw bytes. The JVM
 * decodes {@code argv} before {@code main} sees it and turns every byte it cannot decode into
 * U+FFFD, so {@code r_\xff} and {@code r_\xfe} both arrived as {@code r_\uFFFD}, and a restore
 * into either went to a third directory. {@link #recover} takes such arguments again from
 * {@code /proc/self/cmdline} and keeps each undecodable byte as a lone surrogate U+DC80..U+DCFF
 * (as Python's "surrogateescape" does); {@link #bytes} turns such a string back into the bytes.
 */
public final class ArgumentBytes {
    private ArgumentBytes() {}

    /**
     * The arguments with those the JVM decoded lossily replaced by their surrogate-escaped raw
     * bytes; the same array when none was, or when the command line cannot be matched to them.
     */
    public static String[] recover(String[] args) {
        boolean lossy = false;
        for (String a : args) {
            lossy |= a.indexOf('\uFFFD') >= 0;
        }
        if (!lossy) {
            return args;
        }
        List<byte[]> all;
        try {
            all = Proc.commandLine();
        } catch (IOException | RuntimeException e) {
            return args;
        }
        if (all.size() < args.length) {
            return args;
        }
        // The program's own arguments are the last ones, after the JVM's options and the class.
        List<byte[]> mine = all.subList(all.size() - args.length, all.size());
        String[] out = args.clone();
        for (int i = 0; i < args.length; i++) {
            byte[] raw = mine.get(i);
            if (!new String(raw, StandardCharsets.UTF_8).equals(args[i])) {
                return args; // not the arguments main got: leave them all as they are
            }
            out[i] = escape(raw);
        }
        return out;
    }

    /** The bytes as a string: valid UTF-8 decoded, every other byte b as the char 0xDC00 + b. */
    public static String escape(byte[] raw) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(raw);
        CharBuffer out = CharBuffer.allocate(raw.length);
        CoderResult r;
        do {
            r = decoder.decode(in, out, true);
            for (int k = 0; r.isError() && k < r.length(); k++) {
                out.put((char) (0xDC00 | (in.get() & 0xFF)));
            }
        } while (r.isError());
        decoder.flush(out);
        return out.flip().toString();
    }

    /** Whether the string holds bytes that {@link #escape} kept. */
    public static boolean hasEscapedBytes(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0xDC80 && c <= 0xDCFF && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)))) {
                return true;
            }
        }
        return false;
    }

    /** Inverse of {@link #escape}. */
    public static byte[] bytes(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() + 8);
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c >= 0xDC80 && c <= 0xDCFF) {
                out.write(c & 0xFF);
                i++;
                continue;
            }
            int end = i + 1;
            while (end < s.length() && !(s.charAt(end) >= 0xDC80 && s.charAt(end) <= 0xDCFF
                    && !Character.isHighSurrogate(s.charAt(end - 1)))) {
                end++;
            }
            out.writeBytes(s.substring(i, end).getBytes(StandardCharsets.UTF_8));
            i = end;
        }
        return out.toByteArray();
    }
}
