package org.obnam.store;

/** Where the chunk with {@code label} lies inside a stored object's body. */
public record LabelRange(String label, long offset, long length) {}
