package org.obnam.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.text.Normalizer;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.obnam.util.JsonTree;
import org.obnam.util.SystemRandom;

/**
 * The repository's key record: the master key wrapped (AES-256-GCM) by a key-encryption key
 * derived from the passphrase with Argon2id. The associated data binds the repository id, the KDF
 * parameters and the salt, so none can be changed without breaking the unwrap. A MAC under a key
 * derived from the master key lets {@code check} verify the whole record without the passphrase.
 */
public final class KeyRecord {
    public static final int VERSION = 1;
    private static final HexFormat HEX = HexFormat.of();

    private final String repositoryId;
    private final KdfParams params;
    private final byte[] salt;
    private final byte[] wrapped; // nonce | ciphertext | tag
    private final byte[] mac;

    private KeyRecord(String repositoryId, KdfParams params, byte[] salt, byte[] wrapped, byte[] mac) {
        this.repositoryId = repositoryId;
        this.params = params;
        this.salt = salt;
        this.wrapped = wrapped;
        this.mac = mac;
    }

    /** Wraps {@code key} with {@code passphrase} for the repository {@code repositoryId}. */
    public static KeyRecord create(String repositoryId, MasterKey key, String passphrase, KdfParams params) {
        byte[] salt = new byte[16];
        SystemRandom.fill(salt);
        byte[] kek = deriveKek(passphrase, salt, params);
        byte[] nonce = new byte[12];
        SystemRandom.fill(nonce);
        byte[] wrapped = new byte[12 + MasterKey.LENGTH + 16];
        System.arraycopy(nonce, 0, wrapped, 0, 12);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(kek, "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(associatedData(repositoryId, params, salt));
            c.doFinal(key.material(), 0, MasterKey.LENGTH, wrapped, 12);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
        byte[] mac = computeMac(key, repositoryId, params, salt, wrapped);
        return new KeyRecord(repositoryId, params, salt, wrapped, mac);
    }

    public String repositoryId() {
        return repositoryId;
    }

    public KdfParams params() {
        return params;
    }

    /** Unwraps the master key; WrongPassphraseException when the passphrase (or the record) is wrong. */
    public MasterKey unlock(String passphrase) throws WrongPassphraseException {
        byte[] kek = deriveKek(passphrase, salt, params);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(kek, "AES"), new GCMParameterSpec(128, wrapped, 0, 12));
            c.updateAAD(associatedData(repositoryId, params, salt));
            byte[] material = c.doFinal(wrapped, 12, wrapped.length - 12);
            return MasterKey.of(material);
        } catch (AEADBadTagException e) {
            throw new WrongPassphraseException("the passphrase does not unlock this repository");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /** True when the record is exactly as {@code key}'s owner wrote it. */
    public boolean isAuthenticBy(MasterKey key) {
        return MessageDigest.isEqual(mac, computeMac(key, repositoryId, params, salt, wrapped));
    }

    public byte[] toJson() {
        return JsonTree.writePretty(g -> {
            g.writeStartObject();
            g.writeStringField("format", "obnam-key");
            g.writeNumberField("version", VERSION);
            g.writeStringField("repository_id", repositoryId);
            g.writeObjectFieldStart("kdf");
            g.writeStringField("algorithm", "argon2id");
            g.writeNumberField("argon2_version", 19);
            g.writeNumberField("memory_kib", params.memoryKib());
            g.writeNumberField("iterations", params.iterations());
            g.writeNumberField("parallelism", params.parallelism());
            g.writeStringField("salt", HEX.formatHex(salt));
            g.writeEndObject();
            g.writeStringField("cipher", "aes-256-gcm");
            g.writeStringField("wrapped_key", HEX.formatHex(wrapped));
            g.writeStringField("mac", HEX.formatHex(mac));
            g.writeEndObject();
            g.writeRaw('\n');
        });
    }

    /** Parses a stored key record; IllegalArgumentException names what is damaged or unsupported. */
    public static KeyRecord parse(byte[] json) {
        JsonTree n;
        try {
            n = JsonTree.parse(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("the key record is not valid JSON");
        }
        if (!"obnam-key".equals(n.path("format").asText())) {
            throw new IllegalArgumentException("the key record is damaged (not an Obnam key record)");
        }
        int version = n.path("version").asInt(-1);
        if (version != VERSION) {
            throw new IllegalArgumentException("the key record has version " + version + ", this Obnam reads version "
                    + VERSION + (version > VERSION ? ": upgrade Obnam" : ""));
        }
        JsonTree kdf = n.path("kdf");
        if (!"argon2id".equals(kdf.path("algorithm").asText()) || kdf.path("argon2_version").asInt() != 19
                || !"aes-256-gcm".equals(n.path("cipher").asText())) {
            throw new IllegalArgumentException("the key record names an unknown algorithm");
        }
        try {
            KdfParams params = new KdfParams(kdf.path("memory_kib").asInt(), kdf.path("iterations").asInt(),
                    kdf.path("parallelism").asInt());
            byte[] salt = HEX.parseHex(kdf.path("salt").asText());
            byte[] wrapped = HEX.parseHex(n.path("wrapped_key").asText());
            byte[] mac = HEX.parseHex(n.path("mac").asText());
            String repo = n.path("repository_id").asText();
            if (salt.length < 16 || wrapped.length != 12 + MasterKey.LENGTH + 16 || mac.length != 32 || repo.isEmpty()) {
                throw new IllegalArgumentException("bad field length");
            }
            return new KeyRecord(repo, params, salt, wrapped, mac);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the key record is damaged: " + e.getMessage());
        }
    }

    private static byte[] deriveKek(String passphrase, byte[] salt, KdfParams p) {
        byte[] password = Normalizer.normalize(passphrase, Normalizer.Form.NFC).getBytes(StandardCharsets.UTF_8);
        Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt)
                .withMemoryAsKB(p.memoryKib())
                .withIterations(p.iterations())
                .withParallelism(p.parallelism())
                .build();
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(parameters);
        byte[] kek = new byte[32];
        gen.generateBytes(password, kek);
        return kek;
    }

    private static byte[] associatedData(String repositoryId, KdfParams p, byte[] salt) {
        String s = "obnam-java key record v" + VERSION + "\0" + repositoryId + "\0argon2id/19/" + p.memoryKib() + "/"
                + p.iterations() + "/" + p.parallelism() + "\0" + HEX.formatHex(salt);
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] computeMac(MasterKey key, String repositoryId, KdfParams p, byte[] salt, byte[] wrapped) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key.recordMacKey(), "HmacSHA256"));
            m.update(associatedData(repositoryId, p, salt));
            m.update(wrapped);
            return m.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 is not available", e);
        }
    }
}
