package org.obnam.store;

/** An object's metadata and body as read back from a store. */
public record StoredObject(ObjectMeta meta, byte[] body) {}
