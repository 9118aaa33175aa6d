package org.obnam.repository;

/** A chunk read from the repository is damaged, was tampered with, or is not the one asked for. */
public final class CorruptChunkException extends Exception {
    public CorruptChunkException(String message) {
        super(message);
    }
}
