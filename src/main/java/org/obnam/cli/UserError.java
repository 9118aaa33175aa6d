package org.obnam.cli;

/** A failure to report as one line and exit code 1 (or the code given). */
final class UserError extends Exception {
    private final int exitCode;

    UserError(String message) {
        this(message, ExitCodes.ERROR);
    }

    UserError(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
