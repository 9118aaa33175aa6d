package org.obnam.store;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.TestCerts;

/**
 * An answer of 200 without a Chunk-Meta header is not a chunk (a proxy's page, say): a body read
 * refuses it as a whole-object read does, though it does not parse the metadata of a real one.
 */
class HttpStoreAnswerWithoutMetaTest {
    @TempDir
    Path dir;

    @Test
    void aBodyReadRefusesAnAnswerWithoutChunkMetadata() throws Exception {
        TestCerts.ServerFiles files = TestCerts.selfSigned(dir.resolve("tls"));
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(sslContext(files)) {
            @Override
            public void configure(com.sun.net.httpserver.HttpsParameters params) {
                javax.net.ssl.SSLParameters ssl = getSSLContext().getDefaultSSLParameters();
                ssl.setApplicationProtocols(new String[] {"http/1.1"}); // this server speaks no HTTP/2
                params.setSSLParameters(ssl);
            }
        });
        server.createContext("/", exchange -> {
            byte[] page = "<html>a proxy's page</html>".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        server.start();
        try (HttpStore store = new HttpStore("https://127.0.0.1:" + server.getAddress().getPort(), "token", true,
                files.trust())) {
            ObjectId id = ObjectId.random();
            assertThatThrownBy(() -> store.getBody(id, byte[]::new)).isInstanceOf(StoreException.class)
                    .hasMessageContaining("Chunk-Meta header is missing");
            assertThatThrownBy(() -> store.get(id)).isInstanceOf(StoreException.class)
                    .hasMessageContaining("Chunk-Meta header is missing");
        } finally {
            server.stop(0);
        }
    }

    private static SSLContext sslContext(TestCerts.ServerFiles files) throws Exception {
        String pem = Files.readString(files.key(), StandardCharsets.US_ASCII);
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
        Certificate cert = CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(files.cert())));
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", key, new char[0], new Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }
}
