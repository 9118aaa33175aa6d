package org.obnam.store;

import java.util.Arrays;

/** A draft kept in one growing array and put as a whole on commit: for stores with no better place for it. */
final class MemoryDraft implements ObjectDraft {
    private final Store store;
    private final BodyPieces pieces = new BodyPieces();
    private byte[] body = new byte[1 << 20];
    private boolean committed;

    MemoryDraft(Store store) {
        this.store = store;
    }

    @Override
    public void write(long offset, byte[] data, int from, int length) throws StoreException {
        long end = BodyPieces.checkRange(offset, length);
        if (end > Integer.MAX_VALUE - 16) {
            throw new StoreException.BadRequest("an object body in memory cannot exceed 2 GiB");
        }
        synchronized (this) {
            if (committed) {
                throw new IllegalStateException("draft already committed");
            }
            if (end > body.length) {
                body = Arrays.copyOf(body, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(end, 2L * body.length)));
            }
            System.arraycopy(data, from, body, (int) offset, length);
        }
        pieces.add(offset, length, 0);
    }

    @Override
    public synchronized ObjectId commit(ObjectMeta meta, long bodyLength) throws StoreException {
        if (committed) {
            throw new IllegalStateException("draft already committed");
        }
        pieces.combinedCrc(bodyLength); // every byte written once, none beyond
        ObjectId id = store.put(meta, body, (int) bodyLength); // a failed put may be tried again
        committed = true;
        body = null;
        return id;
    }

    @Override
    public synchronized void close() {
        body = null;
    }
}
