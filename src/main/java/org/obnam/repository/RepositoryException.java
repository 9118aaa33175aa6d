package org.obnam.repository;

/** The repository cannot be used as asked: not initialised, wrong key, rolled back, damaged. */
public class RepositoryException extends Exception {
    public RepositoryException(String message) {
        super(message);
    }

    public RepositoryException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The server (or a restored old copy of the storage) serves an older generation list than seen before. */
    public static final class Rollback extends RepositoryException {
        public Rollback(String message) {
            super(message);
        }
    }

    /** A generation was asked for by something that cannot name one (an empty string). */
    public static final class BadReference extends RepositoryException {
        public BadReference(String message) {
            super(message);
        }
    }

    /** There is no key in the repository yet, or none for it in the passwords file. */
    public static final class NotInitialised extends RepositoryException {
        public NotInitialised(String message) {
            super(message);
        }
    }
}
