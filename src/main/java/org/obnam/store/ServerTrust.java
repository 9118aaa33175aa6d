package org.obnam.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Which server certificates {@link HttpStore} accepts: those the system trusts (the default),
 * those issued by (or equal to) the certificates in a {@code ca_cert} PEM file, or any at all when
 * {@code verify_tls_cert} is false. A refused certificate is explained in words a user can act on.
 */
final class ServerTrust {
    private ServerTrust() {}

    /** Thrown during the TLS handshake; its message is the whole explanation. */
    static final class Untrusted extends CertificateException {
        Untrusted(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static SSLContext context(boolean verify, Path caCert) throws StoreException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustManager(verify, caCert)}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new StoreException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** What decides whether the server's certificate is trusted, explaining a refusal. */
    static X509ExtendedTrustManager trustManager(boolean verify, Path caCert) throws StoreException {
        try {
            X509ExtendedTrustManager manager;
            if (!verify) {
                manager = new TrustAll();
            } else {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                if (caCert == null) {
                    tmf.init((KeyStore) null);
                } else {
                    KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
                    anchors.load(null, null);
                    int i = 0;
                    for (X509Certificate c : readCertificates(caCert)) {
                        anchors.setCertificateEntry("ca-" + i++, c);
                    }
                    tmf.init(anchors);
                }
                X509ExtendedTrustManager system = null;
                for (TrustManager tm : tmf.getTrustManagers()) {
                    if (tm instanceof X509ExtendedTrustManager x) {
                        system = x;
                    }
                }
                if (system == null) {
                    throw new StoreException("this Java runtime offers no X.509 trust manager");
                }
                manager = new Explaining(system, caCert != null);
            }
            return manager;
        } catch (GeneralSecurityException | IOException e) {
            if (e instanceof StoreException se) {
                throw se;
            }
            throw new StoreException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    static Collection<X509Certificate> readCertificates(Path file) throws StoreException {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new StoreException("ca_cert " + file + " holds no certificate in PEM form (-----BEGIN CERTIFICATE-----)");
            }
            return certs.stream().map(c -> (X509Certificate) c).toList();
        } catch (NoSuchFileException e) {
            throw new StoreException("ca_cert " + file + " does not exist");
        } catch (IOException e) {
            throw new StoreException("cannot read ca_cert " + file + ": " + e.getMessage(), e);
        } catch (CertificateException e) {
            if (e.getCause() instanceof IOException io) { // the file, not its content: a directory, an I/O error
                throw new StoreException("cannot read ca_cert " + file + ": " + org.obnam.util.IoErrors.describe(io, file), e);
            }
            throw new StoreException("ca_cert " + file + " is not a PEM certificate file: " + e.getMessage(), e);
        }
    }

    /** The system's (or ca_cert's) checks, with failures explained. */
    private static final class Explaining extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;
        private final boolean customAnchors;

        Explaining(X509ExtendedTrustManager delegate, boolean customAnchors) {
            this.delegate = delegate;
            this.customAnchors = customAnchors;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            try {
                delegate.checkServerTrusted(chain, authType, engine);
            } catch (CertificateException e) {
                throw new Untrusted(explain(chain, e), e);
            }
            requireInDate(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            try {
                delegate.checkServerTrusted(chain, authType, socket);
            } catch (CertificateException e) {
                throw new Untrusted(explain(chain, e), e);
            }
            requireInDate(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                delegate.checkServerTrusted(chain, authType);
            } catch (CertificateException e) {
                throw new Untrusted(explain(chain, e), e);
            }
            requireInDate(chain);
        }

        private String explain(X509Certificate[] chain, CertificateException e) {
            String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            String fix = customAnchors
                    ? "check that ca_cert is the certificate of the CA that signed the server's certificate"
                            + " (or the server's own certificate), or set verify_tls_cert: false (only for testing)"
                    : "set ca_cert to the server's certificate or its CA's certificate (a PEM file),"
                            + " or set verify_tls_cert: false (only for testing)";
            if (detail.contains("No subject alternative") || detail.contains("No name matching")) {
                return "the server's TLS certificate is not valid for this host name or address (" + detail
                        + "): use a server_url whose host is named in the certificate, or make a certificate"
                        + " that names it (subjectAltName)";
            }
            String outOfDate = outOfDate(chain);
            if (outOfDate != null) {
                // Java's own words for it are only "validity check failed".
                return notValidNow(outOfDate);
            }
            if (chain.length >= 1 && isSelfSigned(chain[0])) {
                return "the server's TLS certificate is a self signed certificate that is not trusted: " + fix;
            }
            return "the server's TLS certificate is not trusted (" + detail + "): " + fix;
        }

        /**
         * Java checks the dates of every certificate but a trust anchor's, so the server's own
         * certificate named in ca_cert (the usual set-up for a self-signed one) would be trusted
         * long after it expired. The server's certificate must be in date whatever vouches for it.
         */
        private static void requireInDate(X509Certificate[] chain) throws Untrusted {
            String outOfDate = chain.length == 0 ? null : outOfDate(new X509Certificate[] {chain[0]});
            if (outOfDate != null) {
                throw new Untrusted(notValidNow(outOfDate), null);
            }
        }

        private static String notValidNow(String outOfDate) {
            return "the server's TLS certificate is not valid now: " + outOfDate
                    + " (check the server's certificate, and this machine's clock)";
        }

        /** Which certificate of the chain is expired or not yet valid, and when; null if none. */
        private static String outOfDate(X509Certificate[] chain) {
            for (int i = 0; i < chain.length; i++) {
                String which = i == 0 ? "the server's certificate" : "certificate " + (i + 1) + " of its chain ("
                        + chain[i].getSubjectX500Principal().getName() + ")";
                try {
                    chain[i].checkValidity();
                } catch (java.security.cert.CertificateExpiredException e) {
                    return which + " expired on " + chain[i].getNotAfter().toInstant();
                } catch (java.security.cert.CertificateNotYetValidException e) {
                    return which + " is valid only from " + chain[i].getNotBefore().toInstant();
                }
            }
            return null;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }

    static boolean isSelfSigned(X509Certificate cert) {
        if (!cert.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
            return false;
        }
        try {
            cert.verify(cert.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** verify_tls_cert: false. Accepts any certificate and skips the host name check. */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
