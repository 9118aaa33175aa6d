package org.obnam.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The on-disk layout of one stored object: a fixed header, then the body and the metadata JSON
 * (format 2) or the metadata and the body (format 1, still read). The CRC32C of everything after
 * the header lets the store itself spot torn or damaged files without any key. Format 2 puts the
 * body first so that a pack can be written piece by piece at known offsets before its metadata
 * (the list of what it holds) is known.
 *
 * <pre>
 * magic "OBNAMOBJ" | u16 format version | u16 flags | u32 meta length | u64 body length | u32 crc32c(rest of file)
 * </pre>
 */
final class ObjectFile {
    static final byte[] MAGIC = "OBNAMOBJ".getBytes(StandardCharsets.US_ASCII);
    /** The format written; {@link #OLDEST_READ} and later are read. */
    static final int VERSION = 2;
    static final int OLDEST_READ = 1;
    static final int HEADER_SIZE = 8 + 2 + 2 + 4 + 8 + 4;

    record Header(int version, int metaLength, long bodyLength, int crc) {
        long bodyOffset() {
            return version == 1 ? HEADER_SIZE + (long) metaLength : HEADER_SIZE;
        }

        long metaOffset() {
            return version == 1 ? HEADER_SIZE : HEADER_SIZE + bodyLength;
        }

        long fileLength() {
            return HEADER_SIZE + (long) metaLength + bodyLength;
        }
    }

    private ObjectFile() {}

    /** The header of a format-2 object; {@code crc} covers the body and then the metadata. */
    static ByteBuffer header(int metaLength, long bodyLength, int crc) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE);
        b.put(MAGIC).putShort((short) VERSION).putShort((short) 0).putInt(metaLength).putLong(bodyLength);
        b.putInt(crc);
        return b.flip();
    }

    /** The header of a format-2 object with this metadata and body. */
    static ByteBuffer header(byte[] meta, java.util.List<ByteBuffer> body, long bodyLength) {
        CRC32C crc = new CRC32C();
        for (ByteBuffer part : body) {
            crc.update(part.duplicate());
        }
        crc.update(meta);
        return header(meta.length, bodyLength, (int) crc.getValue());
    }

    static Header parseHeader(ByteBuffer b, String what) throws StoreException.Corrupt {
        if (b.remaining() == 0) {
            throw new StoreException.Corrupt(what + " is empty (0 bytes): the file is damaged");
        }
        if (b.remaining() < HEADER_SIZE) {
            throw new StoreException.Corrupt(what + " is truncated: it has " + b.remaining()
                    + " bytes, less than an object header (" + HEADER_SIZE + ")");
        }
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new StoreException.Corrupt(what + " is not an Obnam object file (bad magic)");
        }
        int version = Short.toUnsignedInt(b.getShort());
        if (version < OLDEST_READ || version > VERSION) {
            throw new StoreException.Corrupt(what + " has object format " + version
                    + ", this Obnam reads formats " + OLDEST_READ + " to " + VERSION);
        }
        if (b.getShort() != 0) {
            throw new StoreException.Corrupt(what + " has a damaged header (unknown flags)");
        }
        int metaLength = b.getInt();
        long bodyLength = b.getLong();
        int crc = b.getInt();
        if (metaLength < 0 || bodyLength < 0 || bodyLength > Long.MAX_VALUE / 2) {
            throw new StoreException.Corrupt(what + " has a damaged header");
        }
        return new Header(version, metaLength, bodyLength, crc);
    }

    /**
     * Checks that a file of {@code size} bytes is as long as its header says: a file cut short (a
     * crash, a full disk, a bad copy) is named as truncated, with both lengths.
     */
    static void checkLength(Header h, long size, String what) throws StoreException.Corrupt {
        if (size < h.fileLength()) {
            throw new StoreException.Corrupt(what + " is truncated: it has " + size + " bytes, its header promises "
                    + h.fileLength());
        }
        if (size > h.fileLength()) {
            throw new StoreException.Corrupt(what + " is damaged: it has " + size + " bytes, its header promises "
                    + h.fileLength());
        }
    }

    /** Checks metadata and body read separately against the header's checksum. */
    static StoredObject verify(Header h, byte[] meta, byte[] body, String what) throws StoreException.Corrupt {
        return new StoredObject(verify(h, meta, body, body.length, what), body);
    }

    /** Checks the checksum over the metadata and the first {@code bodyLength} bytes of {@code body}. */
    static ObjectMeta verify(Header h, byte[] meta, byte[] body, int bodyLength, String what) throws StoreException.Corrupt {
        checksum(h, meta, body, bodyLength, what);
        return parseMeta(meta, 0, meta.length, what);
    }

    /**
     * As {@link #verify}, for a caller that has no use for the metadata: parsing a pack's (up to
     * 36 KB of JSON for 512 labels) cost more than reading it. The checksum does not cover the
     * header, whose format version says whether the metadata comes before or after the body: a
     * version changed from one to the other cuts the file in the wrong places with the checksum
     * still right. Objects of an older format are therefore parsed in full, and the metadata of
     * the current one must look like a JSON object (braces at both ends, no control bytes), which
     * a piece of ciphertext does not.
     */
    static void verifyChecksum(Header h, byte[] meta, byte[] body, int bodyLength, String what)
            throws StoreException.Corrupt {
        checksum(h, meta, body, bodyLength, what);
        if (h.version() != VERSION) {
            parseMeta(meta, 0, meta.length, what);
        } else if (!looksLikeJsonObject(meta)) {
            throw new StoreException.Corrupt(what + " has damaged metadata: not a JSON object");
        }
    }

    private static boolean looksLikeJsonObject(byte[] meta) {
        if (meta.length < 2 || meta[0] != '{' || meta[meta.length - 1] != '}') {
            return false;
        }
        for (byte b : meta) {
            if (b >= 0 && b < 0x20 && b != '\t' && b != '\n' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    private static void checksum(Header h, byte[] meta, byte[] body, int bodyLength, String what)
            throws StoreException.Corrupt {
        CRC32C crc = new CRC32C();
        if (h.version() == 1) {
            crc.update(meta);
            crc.update(body, 0, bodyLength);
        } else {
            crc.update(body, 0, bodyLength);
            crc.update(meta);
        }
        if ((int) crc.getValue() != h.crc()) {
            throw new StoreException.Corrupt(what + " fails its checksum: the file is damaged");
        }
    }

    /** Checks a whole file's bytes and splits it into metadata and body. */
    static StoredObject decode(byte[] file, String what) throws StoreException.Corrupt {
        ByteBuffer b = ByteBuffer.wrap(file);
        Header h = parseHeader(b, what);
        checkLength(h, file.length, what);
        CRC32C crc = new CRC32C();
        crc.update(file, HEADER_SIZE, file.length - HEADER_SIZE);
        if ((int) crc.getValue() != h.crc()) {
            throw new StoreException.Corrupt(what + " fails its checksum: the file is damaged");
        }
        ObjectMeta meta = parseMeta(file, (int) h.metaOffset(), h.metaLength(), what);
        byte[] body = java.util.Arrays.copyOfRange(file, (int) h.bodyOffset(), (int) (h.bodyOffset() + h.bodyLength()));
        return new StoredObject(meta, body);
    }

    static ObjectMeta parseMeta(byte[] bytes, int offset, int length, String what) throws StoreException.Corrupt {
        try {
            return ObjectMeta.parse(new String(bytes, offset, length, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new StoreException.Corrupt(what + " has damaged metadata: " + e.getMessage());
        }
    }
}
