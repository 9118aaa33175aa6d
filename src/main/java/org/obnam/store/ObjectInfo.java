package org.obnam.store;

/** One object as listed by {@link Store#list}: id, metadata and body size. */
public record ObjectInfo(ObjectId id, ObjectMeta meta, long size) {}
