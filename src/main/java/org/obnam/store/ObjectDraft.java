package org.obnam.store;

/**
 * A new object whose body is written piece by piece at known offsets, then stored with its
 * metadata by {@link #commit}. Several threads may {@link #write} disjoint ranges at once: this is
 * how the backup fills a pack without holding it in memory. Nothing is visible in the store
 * before the commit; closing a draft that was not committed discards what was written.
 */
public interface ObjectDraft extends AutoCloseable {

    /** Writes {@code length} bytes of {@code data} from {@code from} into the body at {@code offset}. */
    void write(long offset, byte[] data, int from, int length) throws StoreException;

    /**
     * Stores the object, whose body is the first {@code bodyLength} bytes written, and returns its
     * id. Every byte of that range must have been written exactly once. A commit that failed with
     * {@link StoreException.Transient} may be called again.
     */
    ObjectId commit(ObjectMeta meta, long bodyLength) throws StoreException;

    /** Discards the draft unless it was committed; never fails. */
    @Override
    void close();
}
