package org.obnam.fs;

import java.io.IOException;

/** A name that was to be read as a regular file is something else now: it was replaced since it was listed. */
public final class NotRegularFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final FileType type;

    public NotRegularFileException(String path, FileType type) {
        super("open " + path + ": no longer a regular file (now " + describe(type) + ")");
        this.type = type;
    }

    public FileType type() {
        return type;
    }

    private static String describe(FileType type) {
        return switch (type) {
            case REGULAR -> "a regular file";
            case DIRECTORY -> "a directory";
            case SYMLINK -> "a symbolic link";
            case FIFO -> "a named pipe";
            case SOCKET -> "a socket";
            case CHAR_DEVICE -> "a character device";
            case BLOCK_DEVICE -> "a block device";
        };
    }
}
