package org.obnam.server;

/** The server cannot start or a client-management command failed; the message says what to fix. */
public final class ServerException extends Exception {
    public ServerException(String message) {
        super(message);
    }

    public ServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
