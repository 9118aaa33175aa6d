package org.obnam.backup;

/** The backup could not be made; nothing was added to the generation list. */
public final class BackupException extends Exception {
    public BackupException(String message, Throwable cause) {
        super(message, cause);
    }

    public BackupException(String message) {
        super(message);
    }

    static BackupException from(Throwable t) {
        if (t instanceof BackupException b) {
            return b;
        }
        if (t instanceof OutOfMemoryError) {
            return new BackupException(org.obnam.util.Heap.outOfMemory(), t);
        }
        String m = t.getMessage();
        return new BackupException(m == null ? t.toString() : m, t);
    }
}
