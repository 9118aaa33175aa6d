package org.obnam.restore;

/** The restore could not run at all (as opposed to some files failing, which it reports). */
public final class RestoreException extends Exception {
    public RestoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public RestoreException(String message) {
        super(message);
    }
}
