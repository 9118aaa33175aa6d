package org.obnam.fs;

/** The kind of a directory entry, with its S_IFMT bits. */
public enum FileType {
    REGULAR(0100000),
    DIRECTORY(0040000),
    SYMLINK(0120000),
    FIFO(0010000),
    SOCKET(0140000),
    CHAR_DEVICE(0020000),
    BLOCK_DEVICE(0060000);

    /** The S_IFMT mask of st_mode. */
    public static final int TYPE_MASK = 0170000;

    private final int modeBits;

    FileType(int modeBits) {
        this.modeBits = modeBits;
    }

    /** The S_IFxxx bits of this type, as in st_mode. */
    public int modeBits() {
        return modeBits;
    }

    /** The type encoded in an st_mode value; IllegalArgumentException for an unknown type. */
    public static FileType fromMode(int mode) {
        return switch (mode & TYPE_MASK) {
            case 0100000 -> REGULAR;
            case 0040000 -> DIRECTORY;
            case 0120000 -> SYMLINK;
            case 0010000 -> FIFO;
            case 0140000 -> SOCKET;
            case 0020000 -> CHAR_DEVICE;
            case 0060000 -> BLOCK_DEVICE;
            default -> throw new IllegalArgumentException("unknown file type in mode 0" + Integer.toOctalString(mode));
        };
    }
}
