package org.obnam.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The on-disk layout of one stored object: a fixed header, the metadata JSON, the body. The CRC32C
 * lets the store itself spot torn or damaged files without any key.
 *
 * <pre>
 * magic "OBNAMOBJ" | u16 format version | u16 flags | u32 meta length | u64 body length | u32 crc32c(meta|body)
 * </pre>
 */
final class ObjectFile {
    static final byte[] MAGIC = "OBNAMOBJ".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int HEADER_SIZE = 8 + 2 + 2 + 4 + 8 + 4;

    record Header(int metaLength, long bodyLength, int crc) {
        long bodyOffset() {
            return HEADER_SIZE + (long) metaLength;
        }
    }

    private ObjectFile() {}

    static ByteBuffer header(byte[] meta, java.util.List<ByteBuffer> body, long bodyLength) {
        CRC32C crc = new CRC32C();
        crc.update(meta);
        for (ByteBuffer part : body) {
            crc.update(part.duplicate());
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE);
        b.put(MAGIC).putShort((short) VERSION).putShort((short) 0).putInt(meta.length).putLong(bodyLength);
        b.putInt((int) crc.getValue());
        return b.flip();
    }

    static Header parseHeader(ByteBuffer b, String what) throws StoreException.Corrupt {
        if (b.remaining() < HEADER_SIZE) {
            throw new StoreException.Corrupt(what + " is truncated (" + b.remaining() + " bytes)");
        }
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new StoreException.Corrupt(what + " is not an Obnam object (bad magic)");
        }
        int version = Short.toUnsignedInt(b.getShort());
        if (version != VERSION) {
            throw new StoreException.Corrupt(what + " has object format " + version
                    + ", this Obnam reads format " + VERSION);
        }
        if (b.getShort() != 0) {
            throw new StoreException.Corrupt(what + " has a damaged header (unknown flags)");
        }
        int metaLength = b.getInt();
        long bodyLength = b.getLong();
        int crc = b.getInt();
        if (metaLength < 0 || bodyLength < 0) {
            throw new StoreException.Corrupt(what + " has a damaged header");
        }
        return new Header(metaLength, bodyLength, crc);
    }

    /** Checks a whole file's bytes and splits it into metadata and body. */
    static StoredObject decode(byte[] file, String what) throws StoreException.Corrupt {
        ByteBuffer b = ByteBuffer.wrap(file);
        Header h = parseHeader(b, what);
        if (h.bodyOffset() + h.bodyLength() != file.length) {
            throw new StoreException.Corrupt(what + " has " + file.length + " bytes, its header promises "
                    + (h.bodyOffset() + h.bodyLength()));
        }
        CRC32C crc = new CRC32C();
        crc.update(file, HEADER_SIZE, file.length - HEADER_SIZE);
        if ((int) crc.getValue() != h.crc()) {
            throw new StoreException.Corrupt(what + " fails its checksum: the file is damaged");
        }
        String metaJson = new String(file, HEADER_SIZE, h.metaLength(), StandardCharsets.UTF_8);
        ObjectMeta meta;
        try {
            meta = ObjectMeta.parse(metaJson);
        } catch (IllegalArgumentException e) {
            throw new StoreException.Corrupt(what + " has damaged metadata: " + e.getMessage());
        }
        byte[] body = java.util.Arrays.copyOfRange(file, (int) h.bodyOffset(), file.length);
        return new StoredObject(meta, body);
    }
}
