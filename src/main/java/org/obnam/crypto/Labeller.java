package org.obnam.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Labels chunks with HMAC-SHA-256 under a key derived from the master key, so equal chunks get
 * equal labels (deduplication) while the server, lacking the key, cannot tell what they contain
 * or match them against known data. Thread-safe: one Mac per thread.
 */
public final class Labeller {
    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;

    Labeller(byte[] key) {
        this.key = new SecretKeySpec(key, "HmacSHA256");
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 is not available in this JDK", e);
        }
    }

    public Label label(byte[] data, int offset, int length) {
        Mac mac = macs.get();
        mac.update(data, offset, length);
        return Label.wrap(mac.doFinal());
    }

    public Label label(byte[] data) {
        return label(data, 0, data.length);
    }
}
