package org.obnam.store;

/** An object's body: the first {@code length} bytes of {@code array}, which may be longer. */
public record ObjectBody(byte[] array, int length) {}
