package org.obnam.util;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A failed file operation as a user should read it: {@code /some/file: no such file or directory}.
 *
 * <p>Java's file exceptions say what went wrong in their type, not in their message: a
 * {@link NoSuchFileException}'s message is just the path, so printing {@code getMessage()} gives
 * {@code obnam: /some/file} and leaves the user to guess. Every place that turns an
 * {@link IOException} into a message uses this class instead.
 */
public final class IoErrors {
    /** How {@link java.io.FileInputStream} and friends say it: {@code /a/b (No such file or directory)}. */
    private static final Pattern OLD_IO = Pattern.compile("(.+) \\(([^()]+)\\)");

    private IoErrors() {
    }

    /**
     * The path (or paths) and the problem: {@code PATH: permission denied}, {@code FROM -> TO:
     * file exists}. Exceptions that do not name a file give their message as it is.
     */
    public static String describe(IOException e) {
        if (e instanceof FileSystemException f && f.getFile() != null) {
            String paths = f.getOtherFile() == null ? f.getFile() : f.getFile() + " -> " + f.getOtherFile();
            return paths + ": " + problem(f);
        }
        if (e instanceof FileNotFoundException && e.getMessage() != null) {
            Matcher m = OLD_IO.matcher(e.getMessage());
            if (m.matches()) {
                return m.group(1) + ": " + lowerInitial(m.group(2));
            }
        }
        return message(e);
    }

    /**
     * The problem alone when {@code e} is about {@code about} (or names no file), for messages
     * that already name it ({@code cannot read FILE: no such file or directory}); otherwise the
     * whole {@link #describe(IOException)}, so that a problem with another file (a parent
     * directory, a temporary file) still says which file.
     */
    public static String describe(IOException e, Path about) {
        if (e instanceof FileSystemException f) {
            if (f.getFile() == null || f.getOtherFile() == null && f.getFile().equals(about.toString())) {
                return problem(f);
            }
            return describe(e);
        }
        String full = describe(e);
        String prefix = about + ": ";
        return full.startsWith(prefix) ? full.substring(prefix.length()) : full;
    }

    private static String problem(FileSystemException f) {
        return switch (f) {
            case NoSuchFileException _ -> "no such file or directory";
            case AccessDeniedException _ -> "permission denied";
            case FileAlreadyExistsException _ -> "file exists";
            case NotDirectoryException _ -> "not a directory";
            case DirectoryNotEmptyException _ -> "directory not empty";
            case NotLinkException _ -> "not a symbolic link";
            case FileSystemLoopException _ -> "a loop of symbolic links or directories";
            default -> f.getReason() == null || f.getReason().isBlank() ? f.getClass().getSimpleName()
                    : lowerInitial(f.getReason().strip());
        };
    }

    private static String message(IOException e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e.getClass().getSimpleName();
        }
        // A plain IOException from a read or write is the operating system's text alone ("Is a
        // directory"); subclasses (Obnam's own among them) word their messages themselves.
        return e.getClass() == IOException.class ? lowerInitial(m) : m;
    }

    /**
     * The operating system's words in the middle of a line: "Is a directory" becomes "is a
     * directory"; an initialism such as "TLS" or "ELOOP" is left alone.
     */
    private static String lowerInitial(String s) {
        if (s.length() >= 2 && Character.isUpperCase(s.charAt(0)) && Character.isLowerCase(s.charAt(1))) {
            return Character.toLowerCase(s.charAt(0)) + s.substring(1);
        }
        return s;
    }
}
