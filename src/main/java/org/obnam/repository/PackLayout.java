package org.obnam.repository;

import java.util.ArrayList;
import java.util.List;
import org.obnam.crypto.Label;
import org.obnam.store.ObjectMeta;

/**
 * Where the blobs of one pack being filled go: each reservation gets the next offset in the body,
 * and the metadata lists labels and lengths in body order. The bytes themselves are written
 * elsewhere (into the pack's draft object). Not thread-safe: callers serialise it.
 */
public final class PackLayout {
    /** A pack is sealed once it reaches this size: large enough to keep object counts low, small enough to keep each upload short. */
    public static final int TARGET_BYTES = 8 << 20;

    private final List<String> labels = new ArrayList<>();
    private final List<Long> lengths = new ArrayList<>();
    private long used;

    /** True when a blob of {@code length} bytes fits; an empty pack takes a blob of any size. */
    public boolean fits(int length) {
        return labels.isEmpty() || (used + length <= TARGET_BYTES && labels.size() < ObjectMeta.MAX_LABELS);
    }

    /** Reserves room for a blob; returns its offset in the body. The caller checked {@link #fits}. */
    public long reserve(Label label, int length) {
        long offset = used;
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

    public long size() {
        return used;
    }

    public int count() {
        return labels.size();
    }

    public ObjectMeta meta() {
        return labels.size() == 1 ? ObjectMeta.single(labels.getFirst()) : ObjectMeta.pack(labels, lengths);
    }
}
