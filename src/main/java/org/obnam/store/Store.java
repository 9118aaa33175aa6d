package org.obnam.store;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where one repository's bytes live: immutable objects (each with a small JSON metadata naming the
 * labels of the chunks it holds) and a few small mutable records updated by compare-and-set.
 *
 * <p>A store knows nothing of files, chunking or cryptography: bodies and record contents are
 * opaque. Every implementation is thread-safe and passes {@code StoreContract}.
 *
 * <p>Durability: {@link #put} makes an object visible at once; it is durable once {@link #flush}
 * returns. {@link #compareAndSetRecord} is durable when it returns and first makes every object
 * put before it durable, so a record never refers to data that a crash could lose.
 */
public interface Store extends AutoCloseable {

    /** Stores a new object and returns its id. */
    ObjectId put(ObjectMeta meta, byte[] body) throws StoreException;

    /** Stores a new object whose body is the first {@code length} bytes of {@code buffer}. */
    default ObjectId put(ObjectMeta meta, byte[] buffer, int length) throws StoreException {
        return put(meta, length == buffer.length ? buffer : java.util.Arrays.copyOf(buffer, length));
    }

    /**
     * Stores a new object whose body is {@code parts} back to back. Implementations that can write
     * the parts without joining them first (a gathering write) override this.
     */
    default ObjectId put(ObjectMeta meta, List<byte[]> parts) throws StoreException {
        int size = 0;
        for (byte[] p : parts) {
            size = Math.addExact(size, p.length);
        }
        byte[] body = new byte[size];
        int pos = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, body, pos, p.length);
            pos += p.length;
        }
        return put(meta, body);
    }

    /**
     * Starts a new object to be written in pieces and committed (see {@link ObjectDraft}). The
     * default keeps the body in memory and {@link #put puts} it on commit; stores that can write
     * pieces straight to their place override this and {@link #draftsInMemory}.
     */
    default ObjectDraft draft() throws StoreException {
        return new MemoryDraft(this);
    }

    /** True when a {@link #draft} holds its body in memory until it is committed. */
    default boolean draftsInMemory() {
        return true;
    }

    /** The whole object, verified against the store's own checksum where it keeps one. */
    StoredObject get(ObjectId id) throws StoreException;

    /**
     * The body of an object, checked as {@link #get} checks it (its metadata, not returned, need
     * not be parsed), read into an array from
     * {@code arrays} (asked for the body's length, it may give a longer array) where the store can
     * read into one, so that a caller can reuse its arrays; other stores return one of their own.
     */
    default ObjectBody getBody(ObjectId id, java.util.function.IntFunction<byte[]> arrays) throws StoreException {
        byte[] body = get(id).body();
        return new ObjectBody(body, body.length);
    }

    /** {@code length} bytes of an object's body from {@code offset}. */
    byte[] getRange(ObjectId id, long offset, int length) throws StoreException;

    /** Reads {@code length} bytes of an object's body from {@code offset} into the start of {@code dest}. */
    default void readRange(ObjectId id, long offset, int length, byte[] dest) throws StoreException {
        System.arraycopy(getRange(id, offset, length), 0, dest, 0, length);
    }

    /** For each given label that some object holds: one place where it is. Labels not found are absent. */
    Map<String, ObjectLocation> findLabels(Collection<String> labels) throws StoreException;

    /** Every object holding {@code label}, with its metadata (Rust Obnam's label search). */
    Map<ObjectId, ObjectMeta> findLabel(String label) throws StoreException;

    /** Removes an object; NotFound if it does not exist. */
    void delete(ObjectId id) throws StoreException;

    /**
     * Visits every object, in no particular order. An object that cannot be read (truncated, empty,
     * not an object file, or failing to read) goes to {@link ObjectVisitor#damaged} and the listing
     * goes on; so does anything among the objects that is not an object ({@link ObjectVisitor#stray}).
     * Only a failure to list at all (the store cannot be reached, its directory cannot be read)
     * throws, so that no caller ever takes a partial listing for a complete one.
     */
    void list(ObjectVisitor visitor) throws StoreException;

    /**
     * Calls {@code consumer} for every object that can be read, ignores stray files, and then, if
     * any object could not be read, throws {@link StoreException.Corrupt} naming them: for callers
     * that need every object or nothing. Check uses {@link #list(ObjectVisitor)} to hear of each.
     */
    default void list(Consumer<ObjectInfo> consumer) throws StoreException {
        List<String> damaged = new java.util.ArrayList<>();
        list(new ObjectVisitor() {
            @Override
            public void object(ObjectInfo info) {
                consumer.accept(info);
            }

            @Override
            public void damaged(ObjectId id, StoreException problem) {
                damaged.add(problem.getMessage());
            }
        });
        if (!damaged.isEmpty()) {
            throw new StoreException.Corrupt(damaged.size() + " damaged object" + (damaged.size() == 1 ? "" : "s")
                    + " in " + describe() + ": " + String.join("; ", damaged.subList(0, Math.min(10, damaged.size())))
                    + (damaged.size() > 10 ? "; ..." : ""));
        }
    }

    /** Makes every object put so far durable. */
    void flush() throws StoreException;

    /** A record's current version and body, or empty when it was never written. */
    Optional<StoredRecord> getRecord(String name) throws StoreException;

    /**
     * Writes a record if its current version is {@code expectedVersion} (0 = must not exist yet) and
     * returns the new version; throws {@link StoreException.Conflict} otherwise.
     */
    long compareAndSetRecord(String name, long expectedVersion, byte[] body) throws StoreException;

    /** Names of the records that exist. */
    List<String> recordNames() throws StoreException;

    /** A short description for messages, such as the directory or URL. */
    String describe();

    @Override
    void close() throws StoreException;

    /** Record names are short, lower-case and safe as file names. */
    static boolean isValidRecordName(String name) {
        return name != null && name.matches("[a-z0-9][a-z0-9._-]{0,63}");
    }
}
