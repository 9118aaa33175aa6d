package org.obnam.store;

import java.io.IOException;

/** A store operation failed. Subclasses say why, so callers can react to each case. */
public class StoreException extends IOException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The object or record does not exist (or is not visible to this client). */
    public static final class NotFound extends StoreException {
        public NotFound(String message) {
            super(message);
        }
    }

    /** What the store holds is damaged: a checksum or format check failed. */
    public static final class Corrupt extends StoreException {
        public Corrupt(String message) {
            super(message);
        }

        public Corrupt(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A compare-and-set on a record lost: someone else wrote it first. */
    public static final class Conflict extends StoreException {
        private final long currentVersion;

        public Conflict(String message, long currentVersion) {
            super(message);
            this.currentVersion = currentVersion;
        }

        public long currentVersion() {
            return currentVersion;
        }
    }

    /** The caller lacks the right for this operation. */
    public static final class Forbidden extends StoreException {
        public Forbidden(String message) {
            super(message);
        }
    }

    /** The request was malformed or too large; retrying it will not help. */
    public static final class BadRequest extends StoreException {
        public BadRequest(String message) {
            super(message);
        }
    }

    /**
     * The storage is full (ENOSPC, a quota, or SQLite's "database or disk is full"). Not retried:
     * space comes back only when someone frees it, and the message should say so at once.
     */
    public static final class NoSpace extends StoreException {
        public NoSpace(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A temporary failure (network, overload); the same call may succeed later. */
    public static final class Transient extends StoreException {
        public Transient(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Whether {@code failure} (or a cause of it) says the storage is full. */
    public static boolean isNoSpace(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof NoSpace) {
                return true;
            }
            String m = t.getMessage();
            if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded")
                    || m.contains("database or disk is full") || m.contains("SQLITE_FULL"))) {
                return true;
            }
        }
        return false;
    }
}
