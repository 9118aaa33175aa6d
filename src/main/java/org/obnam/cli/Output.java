package org.obnam.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.obnam.fs.ErrnoException;
import org.obnam.fs.OpenFile;

/**
 * Standard output and error as bytes. Text is written as UTF-8 whatever the locale, and file
 * names can be written as the raw bytes they are, which {@code System.out} cannot do.
 */
final class Output {
    private static final OutputStream OUT = new BufferedOutputStream(new StandardOutput(), 1 << 16);
    private static final OutputStream ERR = new FileOutputStream(FileDescriptor.err);

    private Output() {}

    static synchronized void line(String text) {
        write(OUT, (text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    static synchronized void raw(byte[] bytes) {
        write(OUT, bytes, 0, bytes.length);
    }

    static synchronized void raw(byte[] bytes, int offset, int length) {
        write(OUT, bytes, offset, length);
    }

    /** Standard output as a stream, for output written piece by piece (closing it only flushes). */
    static OutputStream stream() {
        return new OutputStream() {
            @Override
            public void write(int b) {
                raw(new byte[] {(byte) b});
            }

            @Override
            public void write(byte[] b, int off, int len) {
                raw(b, off, len);
            }
        };
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
        if (outFailure != null) {
            return;
        }
        try {
            OUT.flush();
        } catch (IOException e) {
            outFailed(e);
        }
    }

    /**
     * Why standard output could not be written, or null: when the reader of a pipe has gone
     * ({@code obnam list | head -1}) the rest of the output is dropped and the command carries on
     * (a backup is not abandoned for its summary), but any other failure, such as a full disk
     * under {@code obnam list > file}, must not pass for a complete listing.
     */
    static synchronized String outputFailure() {
        return outFailure == null || outFailure.equals(READER_GONE) ? null : outFailure;
    }

    /** Whether the reader of standard output has gone, so that a long listing can stop. */
    static synchronized boolean readerGone() {
        return READER_GONE.equals(outFailure);
    }

    private static final String READER_GONE = "the reader of standard output has gone";
    private static String outFailure;

    private static void outFailed(IOException e) {
        if (outFailure == null) {
            outFailure = e instanceof ErrnoException x && x.errno() == ErrnoException.EPIPE ? READER_GONE
                    : "cannot write standard output: "
                            + (e instanceof ErrnoException x ? ErrnoException.describe(x.errno()) : e.getMessage());
        }
    }

    /** Writes to file descriptor 1 with write(2), so that a failure's errno is known. */
    private static final class StandardOutput extends OutputStream {
        private final OpenFile fd = OpenFile.standardOutput();

        @Override
        public void write(int b) throws IOException {
            fd.write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            fd.write(b, off, len);
        }
    }

    private static void write(OutputStream s, byte[] b) {
        write(s, b, 0, b.length);
    }

    private static void write(OutputStream s, byte[] b, int offset, int length) {
        if (s == OUT && outFailure != null) {
            return;
        }
        try {
            s.write(b, offset, length);
        } catch (IOException e) {
            if (s == OUT) {
                outFailed(e);
            }
            // standard error cannot be written either: nothing is left to tell
        }
    }
}
