package org.obnam.cli;

/** The exit codes of DESIGN section 4. */
final class ExitCodes {
    static final int OK = 0;
    static final int ERROR = 1;
    static final int USAGE = 2;
    /** A backup was made but is incomplete: unreadable entries or a new CACHEDIR.TAG. */
    static final int INCOMPLETE = 3;

    private ExitCodes() {}
}
