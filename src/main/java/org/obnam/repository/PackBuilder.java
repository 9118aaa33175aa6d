package org.obnam.repository;

import java.util.ArrayList;
import java.util.List;
import org.obnam.crypto.Label;
import org.obnam.store.ObjectMeta;

/**
 * Collects encrypted chunks into one pack object, so that many small chunks cost one stored object
 * and one request. The body is the blobs back to back; the metadata lists their labels and
 * lengths. Not thread-safe.
 */
public final class PackBuilder {
    /** A pack is sealed once it reaches this size: large enough to keep object counts low, small enough to keep memory low. */
    public static final int TARGET_BYTES = 8 << 20;

    private final List<byte[]> blobs = new ArrayList<>();
    private final List<String> labels = new ArrayList<>();
    private final List<Long> lengths = new ArrayList<>();
    private long bytes;

    /** Adds a blob; returns its offset in the pack body. */
    public long add(Label label, byte[] blob) {
        long offset = bytes;
        blobs.add(blob);
        labels.add(label.hex());
        lengths.add((long) blob.length);
        bytes += blob.length;
        return offset;
    }

    /** True when one more blob of {@code blobLength} bytes would not fit. */
    public boolean wouldOverflow(int blobLength) {
        return !blobs.isEmpty() && (bytes + blobLength > TARGET_BYTES || blobs.size() >= ObjectMeta.MAX_LABELS);
    }

    public boolean isFull() {
        return bytes >= TARGET_BYTES || blobs.size() >= ObjectMeta.MAX_LABELS;
    }

    public boolean isEmpty() {
        return blobs.isEmpty();
    }

    public long bytes() {
        return bytes;
    }

    public int count() {
        return blobs.size();
    }

    public ObjectMeta meta() {
        return labels.size() == 1 && lengths.getFirst() == bytes ? ObjectMeta.single(labels.getFirst())
                : ObjectMeta.pack(labels, lengths);
    }

    /** The body as its blobs, in order, for a gathering write. */
    public List<byte[]> parts() {
        return List.copyOf(blobs);
    }

    public byte[] body() {
        byte[] body = new byte[Math.toIntExact(bytes)];
        int pos = 0;
        for (byte[] b : blobs) {
            System.arraycopy(b, 0, body, pos, b.length);
            pos += b.length;
        }
        return body;
    }
}
