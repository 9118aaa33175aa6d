package org.obnam.backup;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.obnam.store.ObjectId;
import org.obnam.store.ObjectLocation;
import org.obnam.store.ObjectMeta;
import org.obnam.store.ObjectVisitor;
import org.obnam.store.Store;
import org.obnam.store.StoreException;
import org.obnam.store.StoredObject;
import org.obnam.store.StoredRecord;

/** A store that passes everything to another; tests override what they want to break. */
class ForwardingStore implements Store {
    private final Store delegate;

    ForwardingStore(Store delegate) {
        this.delegate = delegate;
    }

    @Override
    public ObjectId put(ObjectMeta meta, byte[] body) throws StoreException {
        return delegate.put(meta, body);
    }

    @Override
    public ObjectId put(ObjectMeta meta, byte[] buffer, int length) throws StoreException {
        return delegate.put(meta, buffer, length);
    }

    @Override
    public ObjectId put(ObjectMeta meta, java.util.List<byte[]> parts) throws StoreException {
        return delegate.put(meta, parts);
    }

    @Override
    public void readRange(ObjectId id, long offset, int length, byte[] dest) throws StoreException {
        delegate.readRange(id, offset, length, dest);
    }

    @Override
    public StoredObject get(ObjectId id) throws StoreException {
        return delegate.get(id);
    }

    @Override
    public byte[] getRange(ObjectId id, long offset, int length) throws StoreException {
        return delegate.getRange(id, offset, length);
    }

    @Override
    public Map<String, ObjectLocation> findLabels(Collection<String> labels) throws StoreException {
        return delegate.findLabels(labels);
    }

    @Override
    public Map<ObjectId, ObjectMeta> findLabel(String label) throws StoreException {
        return delegate.findLabel(label);
    }

    @Override
    public void delete(ObjectId id) throws StoreException {
        delegate.delete(id);
    }

    @Override
    public void list(ObjectVisitor visitor) throws StoreException {
        delegate.list(visitor);
    }

    @Override
    public void flush() throws StoreException {
        delegate.flush();
    }

    @Override
    public Optional<StoredRecord> getRecord(String name) throws StoreException {
        return delegate.getRecord(name);
    }

    @Override
    public long compareAndSetRecord(String name, long expectedVersion, byte[] body) throws StoreException {
        return delegate.compareAndSetRecord(name, expectedVersion, body);
    }

    @Override
    public List<String> recordNames() throws StoreException {
        return delegate.recordNames();
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public void close() {
        // the delegate belongs to the test
    }
}
