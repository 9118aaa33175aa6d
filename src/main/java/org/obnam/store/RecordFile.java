package org.obnam.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** On-disk layout of a record: magic "OBNAMREC" | u16 format | u64 version | u32 crc32c(version | body) | body. */
final class RecordFile {
    private static final byte[] MAGIC = "OBNAMREC".getBytes(StandardCharsets.US_ASCII);
    /** 2: the checksum covers the version too (format 1 was a development format, never released). */
    private static final int FORMAT = 2;
    private static final int HEADER = 8 + 2 + 8 + 4;

    private RecordFile() {}

    static byte[] encode(long version, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + body.length);
        b.put(MAGIC).putShort((short) FORMAT).putLong(version).putInt(crc(version, body)).put(body);
        return b.array();
    }

    /** The checksum covers the version too, so a damaged version number is caught. */
    private static int crc(long version, byte[] body) {
        java.util.zip.CRC32C c = new java.util.zip.CRC32C();
        c.update(ByteBuffer.allocate(8).putLong(version).flip());
        c.update(body);
        return (int) c.getValue();
    }

    static StoredRecord decode(byte[] file, String what) throws StoreException.Corrupt {
        if (file.length < HEADER || !Arrays.equals(Arrays.copyOf(file, MAGIC.length), MAGIC)) {
            throw new StoreException.Corrupt(what + " is damaged (bad header)");
        }
        ByteBuffer b = ByteBuffer.wrap(file, MAGIC.length, file.length - MAGIC.length);
        int format = Short.toUnsignedInt(b.getShort());
        if (format != FORMAT) {
            throw new StoreException.Corrupt(what + " has record format " + format + ", this Obnam reads format " + FORMAT
                    + (format > FORMAT ? ": upgrade Obnam" : ": it was made by a development version of Obnam"));
        }
        long version = b.getLong();
        int crc = b.getInt();
        byte[] body = Arrays.copyOfRange(file, HEADER, file.length);
        if (crc(version, body) != crc || version < 1) {
            throw new StoreException.Corrupt(what + " fails its checksum: the file is damaged");
        }
        return new StoredRecord(version, body);
    }
}
