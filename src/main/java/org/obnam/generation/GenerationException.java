package org.obnam.generation;

/** A generation database cannot be written or read; the message says which and why. */
public final class GenerationException extends Exception {
    public GenerationException(String message, Throwable cause) {
        super(message, cause);
    }

    public GenerationException(String message) {
        super(message);
    }
}
