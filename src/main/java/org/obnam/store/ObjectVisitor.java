package org.obnam.store;

/**
 * What {@link Store#list} tells of each thing where a store keeps its objects. One object that
 * cannot be read, or a file that is no object at all, never ends a listing: check must be able to
 * name every one of them, and a listing that stopped at the first would hide the rest.
 */
public interface ObjectVisitor {
    /** An object whose header and metadata were read. */
    void object(ObjectInfo info);

    /**
     * An object the store holds (a file with an object's name in an object's place) whose header or
     * metadata cannot be read: truncated, empty, not an object file, or failing to read. The message
     * of {@code problem} names the object and says what is wrong.
     */
    void damaged(ObjectId id, StoreException problem);

    /**
     * Something among the objects that is not one, such as a file whose name is not an object id
     * or an editor's leftover: the store never reads it, lists it or hands it out as an object.
     * {@code where} names it (a path, for a directory store); {@code why} says why it is not an
     * object.
     */
    default void stray(String where, String why) {}
}
