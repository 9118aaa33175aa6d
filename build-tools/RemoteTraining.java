import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Build step: records the AOT caches for talking to a server, which the launchers use instead of
 * target/obnam.aot: target/obnam-server.aot for obnam-server, and target/obnam-remote.aot for
 * obnam with an https server_url. Each JVM puts only the classes it loaded into its cache, and
 * loads every class of its cache when it starts, so one cache for all would make local commands
 * load the HTTP, TLS and server classes they never use.
 *
 * Starts obnam-server on 127.0.0.1 with a throwaway self-signed certificate, recording its cache;
 * runs the client's training workload (org.obnam.cli.Training) against it in a second JVM,
 * recording the other; then stops the server with SIGTERM, and its JVM writes its cache as it
 * exits. Every wait is bounded.
 *
 * Usage: java -cp target/obnam.jar build-tools/RemoteTraining.java JAVA target/obnam.jar target WORKDIR
 */
public class RemoteTraining {
    /** Why the training failed, with the end of the log that shows it. */
    private static final class Failed extends Exception {
        Failed(String message) {
            super(message);
        }
    }

    public static void main(String[] args) throws Exception {
        try {
            train(args);
        } catch (Failed e) {
            System.err.println("RemoteTraining: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void train(String[] args) throws Exception {
        String java = args[0];
        Path jar = Path.of(args[1]).toAbsolutePath();
        Path target = Path.of(args[2]).toAbsolutePath();
        Path work = Path.of(args[3]).toAbsolutePath();
        deleteTree(work);
        Files.createDirectories(work);
        Path home = Files.createDirectories(work.resolve("home"));
        Map<String, String> env = Map.of("HOME", home.toString(), "XDG_CONFIG_HOME", home.resolve(".config").toString(),
                "XDG_STATE_HOME", home.resolve(".local/state").toString(), "XDG_CACHE_HOME", home.resolve(".cache").toString(),
                "OBNAM_PASSPHRASE", "training");

        Path key = work.resolve("server-key.pem");
        Path cert = work.resolve("server-cert.pem");
        selfSigned(key, cert);
        Path serverConfig = work.resolve("server.yaml");
        // Port 0: the server takes a free port and names it in its log, so that no other program
        // can take it between a choice made here and the server's start.
        Files.writeString(serverConfig, "address: 127.0.0.1:0\nchunks: " + work.resolve("chunks")
                + "\ntls_key: " + key + "\ntls_cert: " + cert + "\n");

        // The flags that matter for a cache to be usable: the collector, and a heap small enough
        // for compressed pointers, as the launcher gives. And the launcher's Jetty setting
        // (bin/obnam-launch): without it Jetty starts JMX, whose classes would then be in the
        // caches and so loaded at every start.
        List<String> jvm = List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:-AOTRecordTraining", "-XX:+UseSerialGC",
                "-Xmx256m", "--enable-native-access=ALL-UNNAMED", "-Dorg.eclipse.jetty.util.referencesPerCacheLine=16",
                "-cp", jar.toString());
        Path added = work.resolve("client-add.log");
        run(command(java, List.of(), jvm, "org.obnam.server.ServerMain", "client", "add", "--config",
                serverConfig.toString(), "training"), env, added, Duration.ofMinutes(2));
        List<String> lines = Files.readAllLines(added);
        String token = lines.isEmpty() ? "" : lines.getLast().strip();

        Path serverAot = target.resolve("obnam-server.aot");
        Path remoteAot = target.resolve("obnam-remote.aot");
        Files.deleteIfExists(serverAot);
        Files.deleteIfExists(remoteAot);
        Path serverLog = work.resolve("server.log");
        Map<String, String> serverEnv = new java.util.HashMap<>(env);
        serverEnv.put("OBNAM_SERVER_LOG", "warn,obnam=info"); // for its "listening on" line
        Process server = start(command(java, List.of("-XX:AOTCacheOutput=" + serverAot), jvm,
                "org.obnam.server.ServerMain", serverConfig.toString()), serverEnv, serverLog);
        // Whatever stops this program, the server does not outlive it.
        Runtime.getRuntime().addShutdownHook(new Thread(server::destroyForcibly));
        Exception first = null;
        try {
            int port = listeningPort(server, serverLog);
            Path repository = work.resolve("repository.yaml");
            Files.writeString(repository, "server_url: https://127.0.0.1:" + port + "\naccess_token: " + token
                    + "\nca_cert: " + cert + "\n");
            // The locale data the launcher gives obnam (not the server), so that its classes are cached.
            run(command(java, List.of("-XX:AOTCacheOutput=" + remoteAot, "-Djava.locale.providers=SPI"), jvm,
                    "org.obnam.cli.Training",
                    work.resolve("client").toString(), repository.toString()), env, work.resolve("client.log"),
                    Duration.ofMinutes(10));
        } catch (Exception e) {
            first = e;
        }
        server.destroy(); // SIGTERM
        if (!server.waitFor(5, TimeUnit.MINUTES)) {
            server.destroyForcibly();
            try {
                fail("obnam-server did not stop within 5 minutes of SIGTERM", serverLog);
            } catch (Failed stuck) {
                if (first == null) {
                    throw stuck;
                }
                first.addSuppressed(stuck);
            }
        }
        if (first != null) {
            throw first;
        }
        for (Path cache : List.of(serverAot, remoteAot)) {
            if (!Files.isRegularFile(cache) || Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(jar)) < 0) {
                fail("no AOT cache was written to " + cache, serverLog);
            }
        }
        System.out.println("recorded " + serverAot + " and " + remoteAot);
    }

    private static List<String> command(String java, List<String> extra, List<String> jvm, String main, String... args) {
        List<String> c = new ArrayList<>();
        c.add(java);
        c.addAll(extra);
        c.addAll(jvm);
        c.add(main);
        c.addAll(List.of(args));
        return c;
    }

    private static Process start(List<String> command, Map<String, String> env, Path log) throws IOException {
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        b.environment().putAll(env);
        b.environment().remove("JAVA_TOOL_OPTIONS");
        b.environment().remove("JDK_JAVA_OPTIONS");
        return b.start();
    }

    private static void run(List<String> command, Map<String, String> env, Path log, Duration limit)
            throws IOException, InterruptedException, Failed {
        Process p = start(command, env, log);
        if (!p.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within " + limit.toMinutes() + " minutes", log);
        }
        if (p.exitValue() != 0) {
            fail(String.join(" ", command) + " failed with exit code " + p.exitValue(), log);
        }
    }

    /** The port the server names in its log once it listens. */
    private static int listeningPort(Process server, Path log) throws IOException, InterruptedException, Failed {
        Pattern listening = Pattern.compile("listening on https://127\\.0\\.0\\.1:(\\d+)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Matcher m = listening.matcher(Files.exists(log) ? Files.readString(log) : "");
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            if (!server.isAlive()) {
                fail("obnam-server exited with code " + server.exitValue() + " before it listened", log);
            }
            Thread.sleep(50);
        }
        fail("obnam-server did not say it listened within 60 s", log);
        return -1; // not reached
    }

    private static void fail(String problem, Path log) throws IOException, Failed {
        StringBuilder b = new StringBuilder(problem).append("; the end of ").append(log).append(':');
        if (Files.exists(log)) {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            lines.subList(Math.max(0, lines.size() - 20), lines.size()).forEach(l -> b.append('\n').append(l));
        }
        throw new Failed(b.toString());
    }

    /** An EC key and a self-signed certificate for 127.0.0.1, valid for a day: only this build uses them. */
    private static void selfSigned(Path keyFile, Path certFile) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = g.generateKeyPair();
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=obnam training");
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), name, pair.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
        var certificate = new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
        try (Writer w = Files.newBufferedWriter(keyFile, StandardCharsets.US_ASCII); JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(new JcaPKCS8Generator(pair.getPrivate(), null));
        }
        try (Writer w = Files.newBufferedWriter(certFile, StandardCharsets.US_ASCII); JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(certificate);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
