package org.obnam.repository;

import java.util.ArrayList;
import java.util.List;
import org.obnam.crypto.Label;
import org.obnam.store.ObjectMeta;

/**
 * One pack being filled: encrypted chunks back to back in a reusable buffer. Space is reserved
 * first (under the caller's lock), then each blob is written into its own region, so several
 * threads can seal chunks into the same pack at once without copying. The metadata lists labels
 * and lengths in body order. Not thread-safe: callers serialise {@link #reserve}.
 */
public final class PackBuffer {
    /** A pack is sealed once it reaches this size: large enough to keep object counts low, small enough to keep memory low. */
    public static final int TARGET_BYTES = 8 << 20;

    private final byte[] buffer;
    private final List<String> labels = new ArrayList<>();
    private final List<Long> lengths = new ArrayList<>();
    private int used;

    public PackBuffer(byte[] buffer) {
        this.buffer = buffer;
    }

    public byte[] buffer() {
        return buffer;
    }

    /** True when a blob of {@code length} bytes fits. */
    public boolean fits(int length) {
        return used + (long) length <= buffer.length && labels.size() < ObjectMeta.MAX_LABELS;
    }

    /** Reserves room for a blob; returns its offset in the body. The caller checked {@link #fits}. */
    public int reserve(Label label, int length) {
        int offset = used;
        labels.add(label.hex());
        lengths.add((long) length);
        used += length;
        return offset;
    }

    /** Full enough to seal: at the target size or at the most chunks a pack may list. */
    public boolean isFull() {
        return used >= TARGET_BYTES || labels.size() >= ObjectMeta.MAX_LABELS;
    }

    public boolean isEmpty() {
        return labels.isEmpty();
    }

    public int size() {
        return used;
    }

    public int count() {
        return labels.size();
    }

    public ObjectMeta meta() {
        return labels.size() == 1 ? ObjectMeta.single(labels.getFirst()) : ObjectMeta.pack(labels, lengths);
    }
}
