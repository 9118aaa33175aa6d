package org.obnam.crypto;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.obnam.util.SystemRandom;

/**
 * A repository's secret key material: 64 random bytes made once by {@code init}, from which every
 * working key is derived with HKDF-SHA-256. Wrapped by the passphrase in the repository's key
 * record, so a passphrase change never touches data.
 */
public final class MasterKey {
    public static final int LENGTH = 64;
    private final byte[] material;

    private MasterKey(byte[] material) {
        this.material = material;
    }

    public static MasterKey generate() {
        byte[] m = new byte[LENGTH];
        SystemRandom.fill(m);
        return new MasterKey(m);
    }

    public static MasterKey of(byte[] material) {
        if (material.length != LENGTH) {
            throw new IllegalArgumentException("master key material must be " + LENGTH + " bytes");
        }
        return new MasterKey(material.clone());
    }

    public static MasterKey fromHex(String hex) {
        return of(HexFormat.of().parseHex(hex));
    }

    public String hex() {
        return HexFormat.of().formatHex(material);
    }

    byte[] material() {
        return material.clone();
    }

    /** A 32-byte key for one purpose; different purposes give independent keys. */
    byte[] derive(String purpose) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(material, "obnam-java key derivation v1".getBytes(StandardCharsets.UTF_8),
                purpose.getBytes(StandardCharsets.UTF_8)));
        byte[] key = new byte[32];
        hkdf.generateBytes(key, 0, key.length);
        return key;
    }

    /**
     * The labeller for chunks of one kind. Each kind has its own label key, so equal bytes stored
     * as file data and as, say, a generation database get different labels and are never
     * deduplicated across kinds (the encryption binds each chunk to its kind).
     */
    public Labeller labeller(ChunkKind kind) {
        return new Labeller(derive(kind == ChunkKind.DATA ? "chunk labels" : "chunk labels " + kind.name()));
    }

    public ChunkCipher cipher() {
        return new ChunkCipher(derive("chunk encryption aes-256-gcm"));
    }

    /** Key for authenticating the repository's key record itself (see KeyRecord). */
    byte[] recordMacKey() {
        return derive("key record mac");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MasterKey other && java.security.MessageDigest.isEqual(material, other.material);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(material);
    }

    @Override
    public String toString() {
        return "MasterKey[secret]";
    }
}
