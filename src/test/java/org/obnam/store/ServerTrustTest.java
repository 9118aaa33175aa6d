package org.obnam.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.TestCerts;

/** A certificate the client refuses is explained in words a user can act on. */
class ServerTrustTest {
    @TempDir
    Path dir;

    private String refusal(TestCerts.ServerFiles files) throws Exception {
        X509Certificate[] chain = TestCerts.read(files.cert()).toArray(X509Certificate[]::new);
        var manager = ServerTrust.trustManager(true, files.trust());
        return catchThrowableOfType(CertificateException.class, () -> manager.checkServerTrusted(chain, "ECDHE_ECDSA"))
                .getMessage();
    }

    @Test
    void anExpiredCertificateIsCalledExpiredNotUntrusted() throws Exception {
        Instant now = Instant.now();
        String message = refusal(TestCerts.caSigned(dir.resolve("old"), now.minus(Duration.ofDays(400)),
                now.minus(Duration.ofDays(35))));
        assertThat(message).startsWith("the server's TLS certificate is not valid now: the server's certificate expired on ")
                .doesNotContain("not trusted");
    }

    @Test
    void aCertificateNotValidYetSaysFromWhen() throws Exception {
        Instant now = Instant.now();
        Instant from = now.plus(Duration.ofDays(30));
        String message = refusal(TestCerts.caSigned(dir.resolve("new"), from, from.plus(Duration.ofDays(300))));
        assertThat(message).contains("the server's certificate is valid only from 20");
    }

    @Test
    void anExpiredSelfSignedCertificateTrustedThroughCaCertIsStillRefused() throws Exception {
        // Java does not check a trust anchor's dates: the server's own certificate named in
        // ca_cert would be accepted long after it expired.
        Instant now = Instant.now();
        String message = refusal(TestCerts.selfSigned(dir.resolve("pinned"), now.minus(Duration.ofDays(400)),
                now.minus(Duration.ofDays(1))));
        assertThat(message).startsWith("the server's TLS certificate is not valid now: the server's certificate expired on ");
    }

    @Test
    void aSelfSignedCertificateInDateTrustedThroughCaCertIsAccepted() throws Exception {
        Instant now = Instant.now();
        TestCerts.ServerFiles files = TestCerts.selfSigned(dir.resolve("fresh"), now.minus(Duration.ofDays(1)),
                now.plus(Duration.ofDays(1)));
        X509Certificate[] chain = TestCerts.read(files.cert()).toArray(X509Certificate[]::new);
        ServerTrust.trustManager(true, files.trust()).checkServerTrusted(chain, "ECDHE_ECDSA"); // does not throw
    }

    @Test
    void aCertificateFromAnotherCaIsNotTrusted() throws Exception {
        TestCerts.ServerFiles one = TestCerts.caSigned(dir.resolve("one"));
        TestCerts.ServerFiles other = TestCerts.caSigned(dir.resolve("other"));
        X509Certificate[] chain = TestCerts.read(one.cert()).toArray(X509Certificate[]::new);
        var manager = ServerTrust.trustManager(true, other.trust());
        String message = catchThrowableOfType(CertificateException.class,
                () -> manager.checkServerTrusted(chain, "ECDHE_ECDSA")).getMessage();
        assertThat(message).startsWith("the server's TLS certificate is not trusted (")
                .contains("check that ca_cert is the certificate of the CA");
    }
}
