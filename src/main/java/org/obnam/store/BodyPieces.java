package org.obnam.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The ranges of a draft's body written so far, with the CRC-32C of each: on commit they must cover
 * the body exactly, and their CRCs combine into the body's. Thread-safe.
 */
final class BodyPieces {
    private record Piece(long offset, long length, int crc) {}

    private final List<Piece> pieces = new ArrayList<>();

    /** The end of a range to write, after checking it is one. */
    static long checkRange(long offset, int length) throws StoreException.BadRequest {
        if (offset < 0 || length < 0 || offset > Long.MAX_VALUE / 4) {
            throw new StoreException.BadRequest("cannot write " + length + " bytes at offset " + offset + " of an object");
        }
        return offset + length;
    }

    synchronized void add(long offset, long length, int crc) {
        if (length > 0) {
            pieces.add(new Piece(offset, length, crc));
        }
    }

    /**
     * The CRC-32C of the body's first {@code bodyLength} bytes; fails unless the pieces cover them
     * exactly, without gaps, overlaps or bytes beyond.
     */
    synchronized int combinedCrc(long bodyLength) throws StoreException.BadRequest {
        pieces.sort(Comparator.comparingLong(Piece::offset));
        long expected = 0;
        int crc = 0;
        for (Piece p : pieces) {
            if (p.offset() != expected) {
                throw new StoreException.BadRequest(p.offset() < expected
                        ? "object body written twice at offset " + p.offset()
                        : "object body has a gap at offset " + expected);
            }
            crc = Crc32c.combine(crc, p.crc(), p.length());
            expected += p.length();
        }
        if (expected != bodyLength) {
            throw new StoreException.BadRequest("object body has " + expected + " bytes written, not " + bodyLength);
        }
        return crc;
    }
}
