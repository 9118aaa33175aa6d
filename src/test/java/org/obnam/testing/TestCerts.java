package org.obnam.testing;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * TLS keys and certificates for tests, written as PEM files the way openssl writes them: a
 * self-signed server certificate for localhost and 127.0.0.1, or a small CA and a server
 * certificate it signed.
 */
public final class TestCerts {
    public enum KeyType { EC, RSA }

    /** PKCS8: "PRIVATE KEY". TRADITIONAL: "RSA PRIVATE KEY" (PKCS#1) or "EC PRIVATE KEY" (SEC1). */
    public enum KeyFormat { PKCS8, TRADITIONAL, TRADITIONAL_WITH_EC_PARAMETERS }

    /** A server's key and certificate (chain) files; {@code trust} is what a client puts in ca_cert. */
    public record ServerFiles(Path key, Path cert, Path trust) {}

    private TestCerts() {}

    /** A self-signed EC certificate for localhost and 127.0.0.1, key in PKCS#8. */
    public static ServerFiles selfSigned(Path dir) {
        return selfSigned(dir, "server", KeyType.EC, KeyFormat.PKCS8);
    }

    public static ServerFiles selfSigned(Path dir, String name, KeyType type, KeyFormat format) {
        try {
            Files.createDirectories(dir);
            KeyPair pair = keyPair(type);
            X509Certificate cert = certificate("CN=" + name, pair, "CN=" + name, pair.getPrivate(), false);
            Path key = dir.resolve(name + "-key.pem");
            Path certFile = dir.resolve(name + "-cert.pem");
            writeKey(key, pair, format);
            writePem(certFile, List.of(cert));
            return new ServerFiles(key, certFile, certFile);
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make a test certificate", e);
        }
    }

    /** A self-signed EC certificate for localhost and 127.0.0.1, valid only from {@code from} to {@code until}. */
    public static ServerFiles selfSigned(Path dir, Instant from, Instant until) {
        try {
            Files.createDirectories(dir);
            KeyPair pair = keyPair(KeyType.EC);
            X509Certificate cert = certificate("CN=server", pair, "CN=server", pair.getPrivate(), false, from, until);
            Path key = dir.resolve("server-key.pem");
            Path certFile = dir.resolve("server-cert.pem");
            writeKey(key, pair, KeyFormat.PKCS8);
            writePem(certFile, List.of(cert));
            return new ServerFiles(key, certFile, certFile);
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make a test certificate", e);
        }
    }

    /** A CA, and a server certificate it signed; the server's cert file holds the chain. */
    public static ServerFiles caSigned(Path dir) {
        Instant now = Instant.now();
        return caSigned(dir, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(2)));
    }

    private static KeyPair keyPair(KeyType type) throws GeneralSecurityException {
        if (type == KeyType.RSA) {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        }
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** A CA, and a server certificate it signed that was valid only from {@code from} to {@code until}. */
    public static ServerFiles caSigned(Path dir, Instant from, Instant until) {
        try {
            Files.createDirectories(dir);
            KeyPair caPair = keyPair(KeyType.EC);
            X509Certificate ca = certificate("CN=Obnam Test CA", caPair, "CN=Obnam Test CA", caPair.getPrivate(), true);
            KeyPair serverPair = keyPair(KeyType.EC);
            X509Certificate server = certificate("CN=localhost", serverPair, "CN=Obnam Test CA", caPair.getPrivate(), false,
                    from, until);
            Path key = dir.resolve("server-key.pem");
            Path chain = dir.resolve("server-chain.pem");
            Path caFile = dir.resolve("ca.pem");
            writeKey(key, serverPair, KeyFormat.PKCS8);
            writePem(chain, List.of(server, ca));
            writePem(caFile, List.of(ca));
            return new ServerFiles(key, chain, caFile);
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make test certificates", e);
        }
    }

    /** The certificates of a PEM file, in order. */
    public static List<X509Certificate> read(Path pem) {
        try (var in = Files.newInputStream(pem)) {
            return java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(c -> (X509Certificate) c).toList();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read " + pem, e);
        }
    }

    private static X509Certificate certificate(String subject, KeyPair subjectKeys, String issuer, PrivateKey issuerKey,
            boolean ca) throws IOException, GeneralSecurityException, OperatorCreationException {
        Instant now = Instant.now();
        return certificate(subject, subjectKeys, issuer, issuerKey, ca, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(2)));
    }

    private static X509Certificate certificate(String subject, KeyPair subjectKeys, String issuer, PrivateKey issuerKey,
            boolean ca, Instant from, Instant until) throws IOException, GeneralSecurityException, OperatorCreationException {
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(issuer),
                new BigInteger(64, new SecureRandom()), Date.from(from),
                Date.from(until), new X500Name(subject), subjectKeys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (ca) {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } else {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress())
            }));
        }
        String algorithm = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(algorithm).build(issuerKey)));
    }

    private static void writeKey(Path file, KeyPair pair, KeyFormat format) throws IOException {
        PrivateKey key = pair.getPrivate();
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII); JcaPEMWriter pem = new JcaPEMWriter(w)) {
            if (format == KeyFormat.PKCS8) {
                pem.writeObject(new JcaPKCS8Generator(key, null));
            } else if (key instanceof ECPrivateKey ec) {
                // SEC1 as openssl writes it: with the curve and the public key inside.
                ASN1ObjectIdentifier curve = (ASN1ObjectIdentifier) PrivateKeyInfo.getInstance(key.getEncoded())
                        .getPrivateKeyAlgorithm().getParameters();
                if (format == KeyFormat.TRADITIONAL_WITH_EC_PARAMETERS) {
                    // What "openssl ecparam -name prime256v1 -genkey" writes before the key.
                    pem.writeObject(new PemObject("EC PARAMETERS", curve.getEncoded()));
                }
                var publicBits = SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded()).getPublicKeyData();
                var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, ec.getS(), publicBits, curve);
                pem.writeObject(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
            } else {
                pem.writeObject(key); // PKCS#1 "RSA PRIVATE KEY"
            }
        }
    }

    private static void writePem(Path file, List<X509Certificate> certs) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII); JcaPEMWriter pem = new JcaPEMWriter(w)) {
            for (X509Certificate c : certs) {
                pem.writeObject(c);
            }
        }
    }
}
