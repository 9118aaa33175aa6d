package org.obnam.store;

/** A mutable record's body and its version; versions start at 1 and grow by one per write. */
public record StoredRecord(long version, byte[] body) {}
