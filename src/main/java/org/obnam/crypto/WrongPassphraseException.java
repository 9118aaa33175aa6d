package org.obnam.crypto;

/** The passphrase does not unlock the repository's key. */
public final class WrongPassphraseException extends Exception {
    public WrongPassphraseException(String message) {
        super(message);
    }
}
