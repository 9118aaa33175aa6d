package org.obnam.fs;

import java.io.IOException;

/**
 * A failed system call: the errno, the operation, and the display form of the path it was about.
 * The message reads like {@code open /some/dir/name: Permission denied (EACCES)}.
 */
public class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ETXTBSY = 26;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int ESPIPE = 29;
    public static final int EPIPE = 32;
    public static final int EROFS = 30;
    public static final int EMLINK = 31;
    public static final int ERANGE = 34;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int ENODATA = 61;
    public static final int EOVERFLOW = 75;
    public static final int EILSEQ = 84;
    /** Linux uses the same number for ENOTSUP and EOPNOTSUPP. */
    public static final int EOPNOTSUPP = 95;
    public static final int ENOTSUP = EOPNOTSUPP;
    public static final int ESTALE = 116;
    public static final int EDQUOT = 122;

    // Names and texts as glibc prints them; a Java table avoids strerror(), which is not thread-safe.
    private static final String[][] TABLE = new String[134][];

    static {
        define(EPERM, "EPERM", "Operation not permitted");
        define(ENOENT, "ENOENT", "No such file or directory");
        define(3, "ESRCH", "No such process");
        define(EINTR, "EINTR", "Interrupted system call");
        define(EIO, "EIO", "Input/output error");
        define(ENXIO, "ENXIO", "No such device or address");
        define(7, "E2BIG", "Argument list too long");
        define(8, "ENOEXEC", "Exec format error");
        define(EBADF, "EBADF", "Bad file descriptor");
        define(10, "ECHILD", "No child processes");
        define(EAGAIN, "EAGAIN", "Resource temporarily unavailable");
        define(ENOMEM, "ENOMEM", "Cannot allocate memory");
        define(EACCES, "EACCES", "Permission denied");
        define(14, "EFAULT", "Bad address");
        define(15, "ENOTBLK", "Block device required");
        define(EBUSY, "EBUSY", "Device or resource busy");
        define(EEXIST, "EEXIST", "File exists");
        define(EXDEV, "EXDEV", "Invalid cross-device link");
        define(ENODEV, "ENODEV", "No such device");
        define(ENOTDIR, "ENOTDIR", "Not a directory");
        define(EISDIR, "EISDIR", "Is a directory");
        define(EINVAL, "EINVAL", "Invalid argument");
        define(ENFILE, "ENFILE", "Too many open files in system");
        define(EMFILE, "EMFILE", "Too many open files");
        define(25, "ENOTTY", "Inappropriate ioctl for device");
        define(ETXTBSY, "ETXTBSY", "Text file busy");
        define(EFBIG, "EFBIG", "File too large");
        define(ENOSPC, "ENOSPC", "No space left on device");
        define(ESPIPE, "ESPIPE", "Illegal seek");
        define(EROFS, "EROFS", "Read-only file system");
        define(EMLINK, "EMLINK", "Too many links");
        define(EPIPE, "EPIPE", "Broken pipe");
        define(ERANGE, "ERANGE", "Numerical result out of range");
        define(35, "EDEADLK", "Resource deadlock avoided");
        define(ENAMETOOLONG, "ENAMETOOLONG", "File name too long");
        define(37, "ENOLCK", "No locks available");
        define(ENOSYS, "ENOSYS", "Function not implemented");
        define(ENOTEMPTY, "ENOTEMPTY", "Directory not empty");
        define(ELOOP, "ELOOP", "Too many levels of symbolic links");
        define(ENODATA, "ENODATA", "No data available");
        define(EOVERFLOW, "EOVERFLOW", "Value too large for defined data type");
        define(EILSEQ, "EILSEQ", "Invalid or incomplete multibyte or wide character");
        define(EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported");
        define(110, "ETIMEDOUT", "Connection timed out");
        define(ESTALE, "ESTALE", "Stale file handle");
        define(117, "EUCLEAN", "Structure needs cleaning");
        define(EDQUOT, "EDQUOT", "Disk quota exceeded");
        define(125, "ECANCELED", "Operation canceled");
    }

    private static void define(int errno, String name, String text) {
        TABLE[errno] = new String[] {name, text};
    }

    private final int errno;
    private final String operation;
    private final String path;

    /**
     * @param operation the call that failed, as the user should read it ("open", "lstat", ...)
     * @param path the display form of the path (see {@link RawPath#toString()})
     */
    public ErrnoException(String operation, String path, int errno) {
        super(operation + " " + path + ": " + describe(errno));
        this.errno = errno;
        this.operation = operation;
        this.path = path;
    }

    public int errno() {
        return errno;
    }

    /** The symbolic name such as "ENOENT", or "errno N" for numbers this class does not know. */
    public String errnoName() {
        return errnoName(errno);
    }

    public String operation() {
        return operation;
    }

    /** The display form of the path the failed call was about. */
    public String path() {
        return path;
    }

    public static String errnoName(int errno) {
        String[] entry = entry(errno);
        return entry == null ? "errno " + errno : entry[0];
    }

    /** The text and symbolic name, as used in messages: "Permission denied (EACCES)". */
    public static String describe(int errno) {
        String[] entry = entry(errno);
        return entry == null ? "errno " + errno : entry[1] + " (" + entry[0] + ")";
    }

    private static String[] entry(int errno) {
        return errno > 0 && errno < TABLE.length ? TABLE[errno] : null;
    }
}
