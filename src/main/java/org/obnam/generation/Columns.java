package org.obnam.generation;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.obnam.crypto.Label;
import org.obnam.fs.Extent;
import org.obnam.fs.Xattr;
import org.obnam.store.ObjectId;

/** Binary encodings of the list-valued columns: xattrs, extents and chunk lists. */
final class Columns {
    private Columns() {}

    static byte[] xattrs(List<Xattr> xattrs) {
        if (xattrs == null || xattrs.isEmpty()) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer n = ByteBuffer.allocate(4);
        for (Xattr x : xattrs) {
            out.writeBytes(n.clear().putInt(x.name().length).array());
            out.writeBytes(x.name());
            out.writeBytes(n.clear().putInt(x.value().length).array());
            out.writeBytes(x.value());
        }
        return out.toByteArray();
    }

    static List<Xattr> xattrs(byte[] blob) throws GenerationException {
        if (blob == null) {
            return List.of();
        }
        List<Xattr> result = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(blob);
        try {
            while (b.hasRemaining()) {
                byte[] name = new byte[b.getInt()];
                b.get(name);
                byte[] value = new byte[b.getInt()];
                b.get(value);
                result.add(new Xattr(name, value));
            }
        } catch (RuntimeException e) {
            throw new GenerationException("damaged extended attributes in generation database");
        }
        return result;
    }

    static byte[] extents(List<Extent> extents) {
        if (extents == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.allocate(16 * extents.size());
        for (Extent e : extents) {
            b.putLong(e.offset()).putLong(e.length());
        }
        return b.array();
    }

    static List<Extent> extents(byte[] blob) throws GenerationException {
        if (blob == null) {
            return null;
        }
        if (blob.length % 16 != 0) {
            throw new GenerationException("damaged sparse-file extents in generation database");
        }
        List<Extent> result = new ArrayList<>(blob.length / 16);
        ByteBuffer b = ByteBuffer.wrap(blob);
        while (b.hasRemaining()) {
            result.add(new Extent(b.getLong(), b.getLong()));
        }
        return result;
    }

    /** label(32) | u8 id length | id (ASCII) | u64 offset | u32 length | u32 size, per chunk. */
    static byte[] chunks(List<ChunkRef> chunks) {
        return chunks.isEmpty() ? null : ChunkList.encode(chunks);
    }

    static List<ChunkRef> chunks(byte[] blob) throws GenerationException {
        if (blob == null) {
            return List.of();
        }
        try {
            return ChunkList.of(blob);
        } catch (RuntimeException e) {
            throw new GenerationException("damaged chunk list in generation database");
        }
    }
}
