package org.obnam.generation;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * A chunk list as a generation database stores it, decoded only when it is used. An unchanged
 * file's list goes into the next generation as the same bytes: decoding and encoding it again
 * (a label, an object id checked against its pattern, per chunk) was a tenth of the walk of an
 * unchanged tree of small files.
 */
final class EncodedChunkList extends AbstractList<ChunkRef> implements RandomAccess {
    private final byte[] encoded;
    private final int size;
    private volatile List<ChunkRef> decoded;

    private EncodedChunkList(byte[] encoded, int size) {
        this.encoded = encoded;
        this.size = size;
    }

    /** The list held in {@code blob}, whose layout is checked now; its values when first used. */
    static List<ChunkRef> of(byte[] blob) throws GenerationException {
        int n = Columns.countChunks(blob);
        return n == 0 ? List.of() : new EncodedChunkList(blob, n);
    }

    byte[] encoded() {
        return encoded;
    }

    @Override
    public ChunkRef get(int index) {
        return decoded().get(index);
    }

    @Override
    public int size() {
        return size;
    }

    private List<ChunkRef> decoded() {
        List<ChunkRef> d = decoded;
        if (d == null) {
            try {
                d = List.copyOf(Columns.chunks(encoded));
            } catch (GenerationException | IllegalArgumentException e) {
                // The layout was checked when the list was read; only a value can be bad here.
                throw new IllegalStateException("damaged chunk list in generation database: " + e.getMessage(), e);
            }
            decoded = d;
        }
        return d;
    }
}
