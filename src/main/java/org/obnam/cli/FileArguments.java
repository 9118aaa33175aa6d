package org.obnam.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.obnam.fs.FileType;
import org.obnam.util.IoErrors;

/**
 * Files named on the command line that a command reads whole or writes, with errors that name
 * the file and say what is wrong with it.
 */
final class FileArguments {
    private FileArguments() {
    }

    /** The whole content of a regular file (or a symbolic link to one). */
    static byte[] readAll(Path file) throws UserError {
        checkRegular(file);
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw cannotRead(file, e);
        }
    }

    /** A regular file (or a symbolic link to one), opened for reading. */
    static InputStream open(Path file) throws UserError {
        checkRegular(file);
        try {
            return Files.newInputStream(file);
        } catch (IOException e) {
            throw cannotRead(file, e);
        }
    }

    static UserError cannotRead(Path file, IOException e) {
        return new UserError("cannot read " + file + ": " + IoErrors.describe(e, file));
    }

    static void write(Path file, byte[] data) throws UserError {
        try {
            Files.write(file, data);
        } catch (IOException e) {
            throw new UserError("cannot write " + file + ": " + IoErrors.describe(e, file));
        }
    }

    /**
     * Refuses anything but a regular file before it is opened: opening a named pipe waits, perhaps
     * forever, for a writer; a device may never end; reading a directory fails without naming it. Java cannot open without blocking and then fstat, so this stats first;
     * a file swapped for a pipe between the two calls is not worth guarding against here.
     */
    private static void checkRegular(Path file) throws UserError {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw cannotRead(file, e);
        }
        if (attributes.isRegularFile()) {
            return;
        }
        String kind = attributes.isDirectory() ? "is a directory" : "is " + kind(file) + ", not a regular file";
        throw new UserError("cannot read " + file + ": " + kind);
    }

    private static String kind(Path file) {
        try {
            return switch (FileType.fromMode((Integer) Files.getAttribute(file, "unix:mode"))) {
                case FIFO -> "a named pipe (FIFO)";
                case SOCKET -> "a socket";
                case CHAR_DEVICE -> "a character device";
                case BLOCK_DEVICE -> "a block device";
                default -> "a special file";
            };
        } catch (IOException | RuntimeException e) {
            return "a special file";
        }
    }
}
