package org.obnam.store;

/** A chunk's place in the store: which object, and where in its body. */
public record ObjectLocation(ObjectId object, long offset, long length) {}
