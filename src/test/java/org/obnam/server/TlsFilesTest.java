package org.obnam.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.TestCerts;
import org.obnam.testing.TestCerts.KeyFormat;
import org.obnam.testing.TestCerts.KeyType;

class TlsFilesTest {
    @TempDir
    Path dir;

    private void loads(KeyType type, KeyFormat format) throws Exception {
        TestCerts.ServerFiles f = TestCerts.selfSigned(dir, type + "-" + format, type, format);
        KeyStore ks = TlsFiles.keyStore(f.key(), f.cert());
        assertThat(ks.size()).isEqualTo(1);
    }

    @Test
    void ecKeyInPkcs8() throws Exception {
        loads(KeyType.EC, KeyFormat.PKCS8);
    }

    @Test
    void ecKeyInSec1() throws Exception {
        loads(KeyType.EC, KeyFormat.TRADITIONAL);
    }

    @Test
    void ecKeyAfterEcParametersAsOpensslEcparamWritesIt() throws Exception {
        loads(KeyType.EC, KeyFormat.TRADITIONAL_WITH_EC_PARAMETERS);
    }

    @Test
    void rsaKeyInPkcs1AndPkcs8() throws Exception {
        loads(KeyType.RSA, KeyFormat.TRADITIONAL);
        loads(KeyType.RSA, KeyFormat.PKCS8);
    }

    @Test
    void certificateChainKeepsItsOrder() throws Exception {
        TestCerts.ServerFiles f = TestCerts.caSigned(dir);
        KeyStore ks = TlsFiles.keyStore(f.key(), f.cert());
        assertThat(ks.getCertificateChain("obnam-server")).hasSize(2);
    }

    @Test
    void keyOfAnotherCertificateIsRefused() {
        TestCerts.ServerFiles a = TestCerts.selfSigned(dir, "a", KeyType.EC, KeyFormat.PKCS8);
        TestCerts.ServerFiles b = TestCerts.selfSigned(dir, "b", KeyType.EC, KeyFormat.PKCS8);
        assertThatThrownBy(() -> TlsFiles.keyStore(a.key(), b.cert()))
                .isInstanceOf(ServerException.class)
                .hasMessageContaining("does not belong to the certificate");
    }

    @Test
    void filesWithoutPemContentAreNamed() throws Exception {
        TestCerts.ServerFiles f = TestCerts.selfSigned(dir);
        Path junk = dir.resolve("junk.pem");
        Files.writeString(junk, "hello\n");
        assertThatThrownBy(() -> TlsFiles.keyStore(junk, f.cert()))
                .hasMessageContaining("junk.pem").hasMessageContaining("no private key");
        assertThatThrownBy(() -> TlsFiles.keyStore(f.key(), junk))
                .hasMessageContaining("junk.pem").hasMessageContaining("no certificate");
        assertThatThrownBy(() -> TlsFiles.keyStore(f.cert(), f.cert())).hasMessageContaining("no private key");
    }

    @Test
    void missingFilesAreNamed() {
        assertThatThrownBy(() -> TlsFiles.keyStore(dir.resolve("none.pem"), dir.resolve("none.pem")))
                .hasMessageContaining("none.pem").hasMessageContaining("does not exist");
    }
}
