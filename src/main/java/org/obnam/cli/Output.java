package org.obnam.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Standard output and error as bytes. Text is written as UTF-8 whatever the locale, and file
 * names can be written as the raw bytes they are, which {@code System.out} cannot do.
 */
final class Output {
    private static final OutputStream OUT = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
    private static final OutputStream ERR = new FileOutputStream(FileDescriptor.err);

    private Output() {}

    static synchronized void line(String text) {
        write(OUT, (text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    static synchronized void raw(byte[] bytes) {
        write(OUT, bytes);
    }

    static synchronized void error(String text) {
        flush();
        write(ERR, (text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Writes to stderr without a newline (a progress line). */
    static synchronized void errorRaw(String text) {
        write(ERR, text.getBytes(StandardCharsets.UTF_8));
    }

    static synchronized void flush() {
        try {
            OUT.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(OutputStream s, byte[] b) {
        try {
            s.write(b);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write output: " + e.getMessage(), e);
        }
    }
}
