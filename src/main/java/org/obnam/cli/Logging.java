package org.obnam.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.logging.FileHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;
import org.obnam.util.IoErrors;

/**
 * Routes Obnam's log messages (java.lang.System.Logger, backed by java.util.logging) to the
 * configured log file, and with --debug also to stderr. Libraries stay quiet below warnings.
 */
final class Logging {
    private static final Formatter LINE = new Formatter() {
        @Override
        public String format(LogRecord r) {
            return Instant.ofEpochMilli(r.getMillis()) + " " + r.getLevel() + " " + r.getLoggerName() + ": "
                    + formatMessage(r) + "\n";
        }
    };

    /** java.util.logging holds loggers weakly: without this reference the level set here could be lost. */
    private static final Logger OBNAM = Logger.getLogger("org.obnam");

    private Logging() {}

    static void configure(boolean debug, Path logFile) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.setLevel(Level.WARNING);
        OBNAM.setLevel(debug || logFile != null ? Level.FINE : Level.WARNING);
        if (debug) {
            StreamHandler err = new StreamHandler(System.err, LINE) {
                @Override
                public synchronized void publish(LogRecord record) {
                    super.publish(record);
                    flush();
                }
            };
            err.setLevel(Level.FINE);
            root.addHandler(err);
        }
        if (logFile != null) {
            try {
                FileHandler file = new FileHandler(logFile.toString(), true);
                file.setFormatter(LINE);
                file.setLevel(Level.FINE);
                root.addHandler(file);
            } catch (IOException e) {
                Output.error("obnam: warning: cannot open log file " + logFile + ": " + IoErrors.describe(e, logFile));
            }
        }
    }
}
