package org.obnam.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.obnam.store.DirectoryStore;
import org.obnam.util.SystemRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's clients. Each has a name, a namespace (its own directory store under
 * {@code CHUNKS/namespaces/ID}, named by a random id, not by the client's name) and access tokens,
 * each with a set of rights. Kept in {@code CHUNKS/clients.json}, which holds only SHA-256 hashes of
 * tokens: tokens are 256 random bits, so a fast hash is as good as a slow one.
 *
 * <p>{@code obnam-server client ...} changes the file under a lock, atomically (temp file, fsync,
 * rename); a running server notices the new file on the next request and re-reads it, so a new
 * client can connect at once and a removed one is refused at once.
 */
public final class ClientRegistry {
    public static final String FILE = "clients.json";
    private static final String LOCK = "clients.lock";
    private static final String NAMESPACES = "namespaces";
    private static final String FORMAT = "obnam-server-clients";
    private static final int VERSION = 1;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
    private static final Pattern NAMESPACE = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
    private static final Logger LOG = LoggerFactory.getLogger(ClientRegistry.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Object PROCESS_LOCK = new Object(); // FileLock is per process; this orders threads

    /** A client as listed: no token material. */
    public record Client(String name, String namespace, Instant created, List<Set<Right>> tokenRights) {}

    /** Who a request comes from, once its token is accepted. */
    public record Principal(String client, String namespace, Set<Right> rights) {}

    /** A client just created, with its token: the only time the token exists outside the client. */
    public record NewClient(String name, String namespace, Set<Right> rights, String token) {}

    private record Token(byte[] sha256, Set<Right> rights) {}

    private record Entry(String name, String namespace, Instant created, List<Token> tokens) {}

    /** The file as last read, and how to tell whether it changed since. */
    private record Snapshot(Object fileKey, long modified, long size, List<Entry> entries) {
        boolean describes(BasicFileAttributes a) {
            if (a == null) {
                return fileKey == null && size < 0;
            }
            return Objects.equals(fileKey, a.fileKey()) && modified == a.lastModifiedTime().to(TimeUnit.NANOSECONDS)
                    && size == a.size();
        }
    }

    private final Path dir;
    private final Path file;
    private volatile Snapshot snapshot;

    private ClientRegistry(Path chunksDir) {
        this.dir = chunksDir;
        this.file = chunksDir.resolve(FILE);
    }

    /** The registry in a server's chunks directory; nothing is read or written yet. */
    public static ClientRegistry in(Path chunksDir) {
        return new ClientRegistry(chunksDir);
    }

    public Path namespaceDir(String namespace) {
        if (!NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException("invalid namespace id");
        }
        return dir.resolve(NAMESPACES).resolve(namespace);
    }

    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    // ---- the running server's side

    /**
     * The client a bearer token belongs to. Every known token hash is compared in constant time,
     * and all of them are compared, so the time taken says nothing about which tokens exist.
     */
    public Optional<Principal> authenticate(String token) {
        if (token == null || token.isEmpty() || token.length() > 512) {
            return Optional.empty();
        }
        byte[] hash = sha256(token);
        Principal found = null;
        for (Entry e : current().entries()) {
            for (Token t : e.tokens()) {
                if (MessageDigest.isEqual(t.sha256(), hash)) {
                    found = new Principal(e.name(), e.namespace(), t.rights());
                }
            }
        }
        return Optional.ofNullable(found);
    }

    private Snapshot current() {
        BasicFileAttributes attrs;
        try {
            attrs = attributes();
        } catch (IOException e) {
            return unreadable(e);
        }
        Snapshot s = snapshot;
        if (s != null && s.describes(attrs)) {
            return s;
        }
        synchronized (this) {
            try {
                attrs = attributes();
            } catch (IOException e) {
                return unreadable(e);
            }
            s = snapshot;
            if (s != null && s.describes(attrs)) {
                return s;
            }
            List<Entry> entries;
            try {
                entries = attrs == null ? List.of() : parse(Files.readAllBytes(file));
                if (s != null) {
                    LOG.info("re-read {}: {} clients", file, entries.size());
                }
                lastProblem = null;
            } catch (IOException | ServerException e) {
                // Fail closed: a damaged client file must not leave a removed client able to connect.
                LOG.error("cannot read the client list {}: {}; refusing every token until it is fixed", file,
                        e.getMessage());
                entries = List.of();
            }
            s = attrs == null
                    ? new Snapshot(null, 0, -1, entries)
                    : new Snapshot(attrs.fileKey(), attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS),
                            attrs.size(), entries);
            snapshot = s;
            return s;
        }
    }

    /** The client list's attributes; null when there is none yet. */
    private BasicFileAttributes attributes() throws IOException {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * No clients while the list cannot even be looked at (its directory's permissions changed, say):
     * fail closed, and say so in the log once per change of the problem rather than per request.
     */
    private Snapshot unreadable(IOException e) {
        String problem = e.getClass().getSimpleName() + ": " + e.getMessage();
        synchronized (this) {
            if (!problem.equals(lastProblem)) {
                lastProblem = problem;
                LOG.error("cannot read the client list {}: {}; refusing every token until it is fixed", file,
                        e instanceof AccessDeniedException ? "permission denied" : e.getMessage());
            }
            snapshot = null;
        }
        return new Snapshot(null, 0, -1, List.of());
    }

    private String lastProblem; // guarded by this

    // ---- client management (obnam-server client ...)

    /** Creates a client with a new namespace and one token with {@code rights}. */
    public NewClient add(String name, Set<Right> rights) throws ServerException {
        if (!isValidName(name)) {
            throw new ServerException("invalid client name \"" + name
                    + "\": use 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit");
        }
        if (rights.isEmpty()) {
            throw new ServerException("a client needs at least one right: read, append or delete");
        }
        return update(entries -> {
            for (Entry e : entries) {
                if (e.name().equals(name)) {
                    throw new ServerException("client " + name + " already exists");
                }
            }
            String namespace = randomHex(16);
            Path nsDir = namespaceDir(namespace);
            try {
                Files.createDirectories(nsDir.getParent());
                DirectoryStore.create(nsDir).close();
            } catch (IOException e) {
                throw new ServerException("cannot create the namespace directory " + nsDir + ": " + e.getMessage(), e);
            }
            String token = newToken();
            Set<Right> copy = EnumSet.copyOf(rights);
            entries.add(new Entry(name, namespace, Instant.now().truncatedTo(ChronoUnit.SECONDS),
                    List.of(new Token(sha256(token), copy))));
            return new NewClient(name, namespace, copy, token);
        });
    }

    /**
     * Gives an existing client a new token with {@code rights}, for the same namespace: to rotate a
     * token that may have leaked ({@code replace}: the client's other tokens stop working), or to
     * keep a separate token with the delete right for pruning.
     */
    public NewClient addToken(String name, Set<Right> rights, boolean replace) throws ServerException {
        if (rights.isEmpty()) {
            throw new ServerException("a token needs at least one right: read, append or delete");
        }
        return update(entries -> {
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                if (e.name().equals(name)) {
                    String token = newToken();
                    Set<Right> copy = EnumSet.copyOf(rights);
                    List<Token> tokens = new ArrayList<>(replace ? List.of() : e.tokens());
                    tokens.add(new Token(sha256(token), copy));
                    entries.set(i, new Entry(e.name(), e.namespace(), e.created(), List.copyOf(tokens)));
                    return new NewClient(name, e.namespace(), copy, token);
                }
            }
            throw new ServerException("there is no client " + name + " (see obnam-server client list)");
        });
    }

    /** Removes a client and its tokens; returns its namespace directory, whose data is kept. */
    public Path remove(String name) throws ServerException {
        return update(entries -> {
            for (int i = 0; i < entries.size(); i++) {
                if (entries.get(i).name().equals(name)) {
                    Entry removed = entries.remove(i);
                    return namespaceDir(removed.namespace());
                }
            }
            throw new ServerException("there is no client " + name + " (see obnam-server client list)");
        });
    }

    public List<Client> list() throws ServerException {
        List<Entry> entries = readStrict();
        List<Client> clients = new ArrayList<>();
        for (Entry e : entries) {
            clients.add(new Client(e.name(), e.namespace(), e.created(), e.tokens().stream().map(Token::rights).toList()));
        }
        return clients;
    }

    private interface Change<T> {
        T apply(List<Entry> entries) throws ServerException;
    }

    private <T> T update(Change<T> change) throws ServerException {
        synchronized (PROCESS_LOCK) {
            try {
                createChunksDir();
                try (FileChannel lockFile = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE,
                                StandardOpenOption.WRITE);
                        FileLock lock = lockFile.lock()) {
                    List<Entry> entries = new ArrayList<>(readStrict());
                    T result = change.apply(entries);
                    write(entries);
                    return result;
                }
            } catch (AccessDeniedException e) {
                throw new ServerException("permission denied: " + e.getMessage()
                        + " (run this as the user the server runs as)", e);
            } catch (IOException e) {
                throw new ServerException("cannot update the client list " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /** Creates the chunks directory, readable by the server's user only, when it does not exist yet. */
    public void createChunksDir() throws IOException {
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir.getParent());
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                // made meanwhile, or something else is in the way: told apart below
            }
            if (!Files.isDirectory(dir)) {
                throw new IOException("it, or a directory above it, exists and is not a directory");
            }
        }
    }

    /**
     * Refuses a chunks directory the server cannot use, such as one made by another user: reading
     * the client list would fail on every request, and every client would be told its token is
     * not valid.
     */
    public void checkUsable() throws ServerException {
        if (!Files.isReadable(dir) || !Files.isWritable(dir) || !Files.isExecutable(dir)) {
            throw new ServerException("cannot use the chunks directory " + dir
                    + ": permission denied (run the server as the user that owns it)");
        }
        if (Files.exists(file) && !Files.isReadable(file)) {
            throw new ServerException("cannot read the client list " + file
                    + ": permission denied (run the server as the user that owns it)");
        }
    }

    private List<Entry> readStrict() throws ServerException {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (AccessDeniedException e) {
            throw new ServerException("permission denied reading " + file + " (run this as the user the server runs as)");
        } catch (IOException e) {
            throw new ServerException("cannot read the client list " + file + ": " + e.getMessage(), e);
        }
        return parse(content);
    }

    private List<Entry> parse(byte[] content) throws ServerException {
        String damaged = "the client list " + file + " is damaged";
        JsonNode root;
        try {
            root = JSON.readTree(content);
        } catch (IOException e) {
            throw new ServerException(damaged + ": not valid JSON");
        }
        if (root == null || !FORMAT.equals(root.path("format").asText())) {
            throw new ServerException(damaged + ": not an Obnam client list");
        }
        int version = root.path("version").asInt(-1);
        if (version != VERSION) {
            throw new ServerException("the client list " + file + " has version " + version
                    + ", this obnam-server reads version " + VERSION);
        }
        List<Entry> entries = new ArrayList<>();
        for (JsonNode c : root.path("clients")) {
            String name = c.path("name").asText();
            String namespace = c.path("namespace").asText();
            if (!isValidName(name) || !NAMESPACE.matcher(namespace).matches()) {
                throw new ServerException(damaged + ": a client has an invalid name or namespace");
            }
            Instant created;
            try {
                created = Instant.parse(c.path("created").asText());
            } catch (RuntimeException e) {
                throw new ServerException(damaged + ": client " + name + " has an invalid creation time");
            }
            List<Token> tokens = new ArrayList<>();
            for (JsonNode t : c.path("tokens")) {
                String hash = t.path("sha256").asText();
                if (!HASH.matcher(hash).matches()) {
                    throw new ServerException(damaged + ": client " + name + " has an invalid token hash");
                }
                Set<Right> rights = EnumSet.noneOf(Right.class);
                for (JsonNode r : t.path("rights")) {
                    try {
                        rights.add(Right.parse(r.asText()));
                    } catch (IllegalArgumentException e) {
                        throw new ServerException(damaged + ": client " + name + ": " + e.getMessage());
                    }
                }
                tokens.add(new Token(HexFormat.of().parseHex(hash), rights));
            }
            entries.add(new Entry(name, namespace, created, List.copyOf(tokens)));
        }
        return entries;
    }

    private void write(List<Entry> entries) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        ArrayNode clients = root.putArray("clients");
        for (Entry e : entries) {
            ObjectNode c = clients.addObject();
            c.put("name", e.name());
            c.put("namespace", e.namespace());
            c.put("created", e.created().toString());
            ArrayNode tokens = c.putArray("tokens");
            for (Token t : e.tokens()) {
                ObjectNode tn = tokens.addObject();
                tn.put("sha256", HexFormat.of().formatHex(t.sha256()));
                ArrayNode rights = tn.putArray("rights");
                t.rights().stream().sorted().forEach(r -> rights.add(r.label()));
            }
        }
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        Path temp = dir.resolve(FILE + ".tmp");
        Files.deleteIfExists(temp);
        try (FileChannel ch = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** 256 random bits, base64url without padding: 43 characters that need no quoting anywhere. */
    private static String newToken() {
        byte[] bytes = new byte[32];
        SystemRandom.fill(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        SystemRandom.fill(b);
        return HexFormat.of().formatHex(b);
    }

    static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }
}
