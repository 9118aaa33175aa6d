package org.obnam.crypto;

/** Authentication failed: wrong key, wrong label or kind, or damaged ciphertext. */
public final class CryptoException extends Exception {
    public CryptoException(String message) {
        super(message);
    }
}
