package org.obnam.server;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads the server's TLS key and certificate chain from PEM files as openssl writes them: keys in
 * PKCS#8 ({@code PRIVATE KEY}) or the traditional PKCS#1 / SEC1 forms ({@code RSA PRIVATE KEY},
 * {@code EC PRIVATE KEY}), RSA, EC or Ed25519; the certificate file holds the server's certificate
 * first, then any intermediates.
 */
final class TlsFiles {
    static final char[] PASSWORD = "obnam".toCharArray(); // protects an in-memory key store only

    private TlsFiles() {}

    /** An in-memory key store holding the key and chain, checked to belong together. */
    static KeyStore keyStore(Path keyFile, Path certFile) throws ServerException {
        PrivateKey key = readKey(keyFile);
        List<X509Certificate> chain = readChain(certFile);
        checkPair(key, chain.getFirst(), keyFile, certFile);
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("obnam-server", key, PASSWORD, chain.toArray(new Certificate[0]));
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new ServerException("cannot use the TLS key " + keyFile + " with certificate " + certFile
                    + ": " + e.getMessage(), e);
        }
    }

    static PrivateKey readKey(Path file) throws ServerException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(r)) {
            for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
                // Skip what may come before the key: "EC PARAMETERS" from openssl ecparam, certificates.
                if (o instanceof PEMKeyPair pair) {
                    // Only the private part: SEC1 keys need not carry the optional public key.
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new ServerException("TLS key " + file + " is encrypted with a passphrase; the server"
                            + " needs it unencrypted (openssl pkey -in " + file + " -out KEY.pem), readable only"
                            + " by the server's user");
                }
            }
        } catch (NoSuchFileException e) {
            throw new ServerException("TLS key " + file + " does not exist");
        } catch (IOException | RuntimeException e) {
            throw new ServerException("cannot read TLS key " + file + ": " + describe(e), e);
        }
        throw new ServerException("TLS key " + file + " holds no private key in PEM form"
                + " (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA/EC PRIVATE KEY-----)");
    }

    static List<X509Certificate> readChain(Path file) throws ServerException {
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        List<X509Certificate> chain = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(r)) {
            for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
                if (o instanceof X509CertificateHolder holder) {
                    chain.add(converter.getCertificate(holder));
                }
            }
        } catch (NoSuchFileException e) {
            throw new ServerException("TLS certificate " + file + " does not exist");
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new ServerException("cannot read TLS certificate " + file + ": " + describe(e), e);
        }
        if (chain.isEmpty()) {
            throw new ServerException("TLS certificate " + file
                    + " holds no certificate in PEM form (-----BEGIN CERTIFICATE-----)");
        }
        return chain;
    }

    /** Signs a test message with the key and verifies it with the certificate's public key. */
    private static void checkPair(PrivateKey key, X509Certificate cert, Path keyFile, Path certFile)
            throws ServerException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return;
        }
        boolean matches;
        try {
            byte[] probe = "obnam-server key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new ServerException("TLS key " + keyFile + " does not belong to the certificate " + certFile
                    + " (the first certificate in the file must be the server's own)");
        }
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
