package org.obnam.generation;

import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;
import org.obnam.crypto.Label;
import org.obnam.store.ObjectId;

/**
 * A file's chunk list kept as the bytes of schema 0.0's chunk column (per chunk: label, length of
 * the object id, the id, offset, encrypted length, size; big-endian) and read as {@link ChunkRef}s
 * on demand. About 85 bytes a chunk where a list of objects took about 250: a file's list is in
 * memory whole while it is written with schema 0.0 and while it is restored, and a file of some
 * 250,000 chunks ran a backup out of its heap.
 */
public final class ChunkList extends AbstractList<ChunkRef> implements RandomAccess {
    private static final int FIXED = Label.LENGTH + 1 + 8 + 4 + 4;

    private final byte[] bytes;
    private final int[] starts;
    private ObjectId lastId; // consecutive chunks are mostly in one pack: decode its id once

    private ChunkList(byte[] bytes, int[] starts) {
        this.bytes = bytes;
        this.starts = starts;
    }

    /** The list encoded in {@code bytes} (not copied); IllegalArgumentException if it is damaged. */
    public static ChunkList of(byte[] bytes) {
        int count = 0;
        int at = 0;
        int[] starts = new int[Math.max(1, bytes.length / (FIXED + 32))];
        while (at < bytes.length) {
            if (at + Label.LENGTH + 1 > bytes.length) {
                throw new IllegalArgumentException("chunk list ends inside a chunk");
            }
            int idLength = bytes[at + Label.LENGTH] & 0xff;
            int next = at + FIXED + idLength;
            if (next > bytes.length || idLength == 0) {
                throw new IllegalArgumentException("chunk list ends inside a chunk");
            }
            if (count == starts.length) {
                starts = Arrays.copyOf(starts, count + (count >> 1) + 1);
            }
            starts[count++] = at;
            at = next;
        }
        ChunkList list = new ChunkList(bytes, Arrays.copyOf(starts, count));
        for (int i = 0; i < count; i++) {
            list.get(i); // every id valid, so that get() never fails later
        }
        return list;
    }

    /** The encoded form of {@code chunks}, as {@link #of} reads it. */
    public static byte[] encode(List<ChunkRef> chunks) {
        if (chunks instanceof ChunkList c) {
            return c.bytes.clone();
        }
        Builder b = new Builder();
        b.addAll(chunks);
        return b.bytes();
    }

    @Override
    public ChunkRef get(int index) {
        int at = starts[index];
        Label label = Label.from(bytes, at);
        int idLength = bytes[at + Label.LENGTH] & 0xff;
        int idAt = at + Label.LENGTH + 1;
        ObjectId id = lastId;
        if (id == null || !sameId(id, idAt, idLength)) {
            id = new ObjectId(new String(bytes, idAt, idLength, StandardCharsets.US_ASCII));
            lastId = id;
        }
        int p = idAt + idLength;
        return new ChunkRef(label, id, getLong(p), getInt(p + 8), getInt(p + 12));
    }

    private boolean sameId(ObjectId id, int at, int length) {
        String v = id.value();
        if (v.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (v.charAt(i) != bytes[at + i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int size() {
        return starts.length;
    }

    private long getLong(int p) {
        return (long) getInt(p) << 32 | (getInt(p + 4) & 0xffffffffL);
    }

    private int getInt(int p) {
        return (bytes[p] & 0xff) << 24 | (bytes[p + 1] & 0xff) << 16 | (bytes[p + 2] & 0xff) << 8 | (bytes[p + 3] & 0xff);
    }

    /** Collects chunks in the encoded form. */
    public static final class Builder {
        private byte[] buf = new byte[256];
        private int used;
        private int[] starts = new int[8];
        private int count;

        public Builder add(ChunkRef c) {
            byte[] id = c.object().value().getBytes(StandardCharsets.US_ASCII);
            int need = FIXED + id.length;
            if (used + need > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(used + need, buf.length + (buf.length >> 1)));
            }
            if (count == starts.length) {
                starts = Arrays.copyOf(starts, count + (count >> 1) + 1);
            }
            starts[count++] = used;
            c.label().copyTo(buf, used);
            buf[used + Label.LENGTH] = (byte) id.length;
            System.arraycopy(id, 0, buf, used + Label.LENGTH + 1, id.length);
            int p = used + Label.LENGTH + 1 + id.length;
            putInt(p, (int) (c.offset() >>> 32));
            putInt(p + 4, (int) c.offset());
            putInt(p + 8, c.length());
            putInt(p + 12, c.size());
            used += need;
            return this;
        }

        public Builder addAll(List<ChunkRef> chunks) {
            for (ChunkRef c : chunks) {
                add(c);
            }
            return this;
        }

        public boolean isEmpty() {
            return used == 0;
        }

        /** The encoded bytes so far. */
        public byte[] bytes() {
            return Arrays.copyOf(buf, used);
        }

        /** The chunks so far; built from ChunkRefs, so not decoded again to be checked as {@link #of} does. */
        public ChunkList build() {
            return used == 0 ? EMPTY : new ChunkList(bytes(), Arrays.copyOf(starts, count));
        }

        private void putInt(int p, int v) {
            buf[p] = (byte) (v >>> 24);
            buf[p + 1] = (byte) (v >>> 16);
            buf[p + 2] = (byte) (v >>> 8);
            buf[p + 3] = (byte) v;
        }
    }

    private static final ChunkList EMPTY = new ChunkList(new byte[0], new int[0]);
}
