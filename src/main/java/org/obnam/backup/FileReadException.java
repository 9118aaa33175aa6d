package org.obnam.backup;

import java.io.IOException;

/** One file could not be read: the backup goes on without its content and reports it. */
final class FileReadException extends IOException {
    FileReadException(String message, Throwable cause) {
        super(message, cause);
    }
}
