package org.obnam.store;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.obnam.store.ServerConnection.Reply;
import org.obnam.util.JsonTree;

/**
 * A repository on an {@code obnam-server}: the chunk API over HTTPS, HTTP/2 when the server offers
 * it (many requests in flight on one connection), else HTTP/1.1. Thread-safe: the backup pipeline
 * calls it from several threads at once.
 *
 * <p>Failures map to {@link StoreException} kinds: 404 NotFound, 409 Conflict, 401/403 Forbidden,
 * other 4xx BadRequest, 507 (the server's disk is full) NoSpace, other 5xx and network failures
 * Transient (see {@link RetryingStore}), a damaged object on the server Corrupt, and an untrusted
 * certificate a plain StoreException that says how to fix it. {@link #flush} does nothing: the server makes each upload durable before it answers.
 */
public final class HttpStore implements Store {
    /** Labels per batch look-up request; servers accept at least this many. */
    static final int LOOKUP_BATCH = 1000;
    static final int PAGE = 1000;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private final ServerConnection connection;
    /** Where drafts are written before their upload; null: in memory. */
    private final Path draftDirectory;
    private int pageSize = PAGE;

    /** A store at {@code serverUrl} ({@code https://HOST:PORT}) that verifies the server's certificate. */
    public HttpStore(String serverUrl, String accessToken) throws StoreException {
        this(serverUrl, accessToken, true, null);
    }

    /**
     * @param verifyTlsCert false accepts any certificate (the {@code verify_tls_cert: false} setting)
     * @param caCert a PEM file of the CA (or the server's own self-signed certificate) to trust
     *     instead of the system's CAs, or null
     */
    public HttpStore(String serverUrl, String accessToken, boolean verifyTlsCert, Path caCert) throws StoreException {
        this(serverUrl, accessToken, verifyTlsCert, caCert, null);
    }

    /**
     * @param draftDirectory an owner-only directory where {@link #draft drafts} are written before
     *     they are uploaded (files {@code upload-*.tmp}, removed after; ones left by a killed
     *     process are removed once they are an hour old), or null to keep drafts in memory
     */
    public HttpStore(String serverUrl, String accessToken, boolean verifyTlsCert, Path caCert, Path draftDirectory)
            throws StoreException {
        this.connection = new ServerConnection(serverUrl, accessToken, verifyTlsCert, caCert);
        this.draftDirectory = draftDirectory;
        if (draftDirectory != null) {
            FileDraft.removeStale(draftDirectory, "upload-*.tmp");
        }
    }

    @Override
    public String describe() {
        return connection.base();
    }

    // ---- objects

    @Override
    public ObjectId put(ObjectMeta meta, byte[] body) throws StoreException {
        return upload(ServerConnection.withBody(connection.request(HttpMethod.POST, "/v1/chunks"), body)
                .headers(h -> h.put(ChunkMetaHeader.NAME, ChunkMetaHeader.encode(meta))));
    }

    private ObjectId upload(Request r) throws StoreException {
        Reply resp = connection.send(r, "uploading a chunk");
        connection.expect(resp, "uploading a chunk", 200, 201);
        return objectId(connection.json(resp).path("chunk_id").asText(), "uploading a chunk");
    }

    @Override
    public ObjectDraft draft() throws StoreException {
        if (draftDirectory == null) {
            return Store.super.draft();
        }
        Path file = null;
        try {
            Files.createDirectories(draftDirectory);
            file = Files.createTempFile(draftDirectory, "upload-", ".tmp"); // mode 0600
            return new UploadDraft(file, FileChannel.open(file, StandardOpenOption.WRITE));
        } catch (IOException e) {
            FileDraft.deleteQuietly(file);
            throw new StoreException("cannot write an upload to " + draftDirectory + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean draftsInMemory() {
        return draftDirectory == null;
    }

    /** A pack written to a local file, then uploaded from it: a failed upload can be tried again. */
    private final class UploadDraft extends FileDraft {
        UploadDraft(Path file, FileChannel channel) {
            super(file, channel, 0, false);
        }

        @Override
        StoreException writeFailure(IOException e) {
            return new StoreException("cannot write an upload to " + file + ": " + e.getMessage(), e);
        }

        @Override
        public ObjectId commit(ObjectMeta meta, long bodyLength) throws StoreException {
            checkOpen();
            pieces.combinedCrc(bodyLength); // every byte written, none beyond
            Request r;
            try {
                r = ServerConnection.withBody(connection.request(HttpMethod.POST, "/v1/chunks"), file, bodyLength);
            } catch (IOException e) {
                throw new StoreException("cannot read the upload " + file + ": " + e.getMessage(), e);
            }
            return upload(r.headers(h -> h.put(ChunkMetaHeader.NAME, ChunkMetaHeader.encode(meta))));
        }
    }

    @Override
    public StoredObject get(ObjectId id) throws StoreException {
        Reply resp = fetch(id);
        return new StoredObject(meta(resp, id), resp.content());
    }

    /**
     * The body alone: a pack's metadata (up to 36 KB of JSON) is not parsed when it is not used,
     * but an answer without any is not a chunk (a proxy's page, say) and is refused as {@link #get}
     * refuses it.
     */
    @Override
    public ObjectBody getBody(ObjectId id, java.util.function.IntFunction<byte[]> arrays) throws StoreException {
        String what = "fetching chunk " + id;
        ServerConnection.BodyReply answer = connection.sendInto(connection.request(HttpMethod.GET, chunkPath(id)), what,
                arrays);
        Reply resp = answer.reply();
        connection.expect(resp, what, 200);
        String meta = resp.headers().get(ChunkMetaHeader.NAME);
        if (meta == null || meta.isBlank()) {
            meta(meta, what); // throws, naming the missing header
        }
        if (answer.array() != null) {
            return new ObjectBody(answer.array(), answer.length());
        }
        byte[] body = resp.content();
        return new ObjectBody(body, body.length);
    }

    private Reply fetch(ObjectId id) throws StoreException {
        String what = "fetching chunk " + id;
        Reply resp = connection.send(connection.request(HttpMethod.GET, chunkPath(id)), what);
        connection.expect(resp, what, 200);
        return resp;
    }

    @Override
    public byte[] getRange(ObjectId id, long offset, int length) throws StoreException {
        String what = "fetching " + length + " bytes at " + offset + " of chunk " + id;
        if (offset < 0 || length < 0) {
            throw new StoreException.BadRequest(what + ": offset and length must not be negative");
        }
        if (length == 0) {
            Reply head = connection.send(connection.request(HttpMethod.HEAD, chunkPath(id)), what);
            connection.expect(head, what, 200);
            checkRange(what, offset, length, head.headers().getLongField(HttpHeader.CONTENT_LENGTH));
            return new byte[0];
        }
        long last = offset + length - 1;
        Reply resp = connection.send(connection.request(HttpMethod.GET, chunkPath(id))
                .headers(h -> h.put(HttpHeader.RANGE, "bytes=" + offset + "-" + last)), what);
        return rangeOf(resp, what, offset, length);
    }

    /** The range asked for, from a whole answer to a range request. */
    private byte[] rangeOf(Reply resp, String what, long offset, int length) throws StoreException {
        if (resp.status() == 416) {
            long size = connection.json(resp).path("size").asLong(-1);
            throw new StoreException.BadRequest(what + ": the range is outside the chunk"
                    + (size >= 0 ? ", which has " + size + " bytes" : ""));
        }
        connection.expect(resp, what, 200, 206);
        byte[] content = resp.content();
        if (resp.status() == 200) { // the server sent it all
            checkRange(what, offset, length, content.length);
            return Arrays.copyOfRange(content, (int) offset, (int) offset + length);
        }
        long size = checkContentRange(resp, what, offset);
        if (content.length != length) {
            throw outsideTheChunk(what, size);
        }
        return content;
    }

    /** Checks that a 206 answer starts at {@code offset}; returns the chunk's size it states, or -1. */
    private long checkContentRange(Reply resp, String what, long offset) throws StoreException {
        String range = resp.headers().get(HttpHeader.CONTENT_RANGE);
        Matcher m = range == null ? null : CONTENT_RANGE.matcher(range);
        if (m == null || !m.matches() || Long.parseLong(m.group(1)) != offset) {
            throw new StoreException("the server at " + connection.base() + " answered " + what + " with a wrong Content-Range: " + range);
        }
        return m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
    }

    private static StoreException outsideTheChunk(String what, long size) {
        return new StoreException.BadRequest(what + ": the range is outside the chunk"
                + (size >= 0 ? ", which has " + size + " bytes" : ""));
    }

    @Override
    public void readRange(ObjectId id, long offset, int length, byte[] dest) throws StoreException {
        String what = "fetching " + length + " bytes at " + offset + " of chunk " + id;
        if (length > dest.length) {
            throw new IllegalArgumentException("an array of " + dest.length + " bytes cannot take " + length);
        }
        if (offset < 0 || length <= 0) {
            System.arraycopy(getRange(id, offset, length), 0, dest, 0, length); // the checks and errors of getRange
            return;
        }
        long last = offset + length - 1;
        ServerConnection.RangeReply range = connection.sendRange(connection.request(HttpMethod.GET, chunkPath(id))
                .headers(h -> h.put(HttpHeader.RANGE, "bytes=" + offset + "-" + last)), what, dest, length);
        Reply resp = range.reply();
        if (!range.inArray()) {
            System.arraycopy(rangeOf(resp, what, offset, length), 0, dest, 0, length);
            return;
        }
        long size = checkContentRange(resp, what, offset);
        if (range.length() != length) {
            throw outsideTheChunk(what, size);
        }
    }

    private static void checkRange(String what, long offset, int length, long size) throws StoreException {
        if (offset + length > size) {
            throw new StoreException.BadRequest(what + ": the range is outside the chunk, which has " + size + " bytes");
        }
    }

    @Override
    public Map<String, ObjectLocation> findLabels(Collection<String> labels) throws StoreException {
        Map<String, ObjectLocation> found = new HashMap<>();
        // As in every store, a string that cannot be a label is found nowhere; the API would refuse it.
        Iterator<String> it = labels.stream().filter(HttpStore::canBeLabel).distinct().iterator();
        while (it.hasNext()) {
            List<String> batch = new ArrayList<>(LOOKUP_BATCH);
            while (it.hasNext() && batch.size() < LOOKUP_BATCH) {
                batch.add(it.next());
            }
            String[] names = batch.toArray(String[]::new);
            byte[] body = JsonTree.write(g -> {
                g.writeStartObject();
                g.writeFieldName("labels");
                g.writeArray(names, 0, names.length);
                g.writeEndObject();
            });
            Reply resp = connection.send(connection.request(HttpMethod.POST, "/v1/labels")
                    .body(new BytesRequestContent("application/json", body)), "looking up labels");
            connection.expect(resp, "looking up labels", 200);
            for (Map.Entry<String, JsonTree> e : connection.json(resp).path("found").properties().entrySet()) {
                JsonTree loc = e.getValue();
                found.put(e.getKey(), new ObjectLocation(objectId(loc.path("chunk_id").asText(), "looking up labels"),
                        loc.path("offset").asLong(), loc.path("length").asLong()));
            }
        }
        return found;
    }

    @Override
    public Map<ObjectId, ObjectMeta> findLabel(String label) throws StoreException {
        if (!canBeLabel(label)) {
            return Map.of();
        }
        String what = "searching for label " + label;
        Reply resp = connection.send(connection.request(HttpMethod.GET,
                "/v1/chunks?label=" + URLEncoder.encode(label, StandardCharsets.UTF_8)), what);
        connection.expect(resp, what, 200);
        Map<ObjectId, ObjectMeta> result = new HashMap<>();
        for (Map.Entry<String, JsonTree> e : connection.json(resp).properties().entrySet()) {
            result.put(objectId(e.getKey(), what), meta(e.getValue().toString(), what));
        }
        return result;
    }

    @Override
    public void delete(ObjectId id) throws StoreException {
        String what = "deleting chunk " + id;
        Reply resp = connection.send(connection.request(HttpMethod.DELETE, chunkPath(id)), what);
        connection.expect(resp, what, 200, 204);
    }

    /**
     * Pages through the server's listing. An object the server reports damaged goes to the
     * visitor's {@code damaged}; why it is damaged is in the server's log (the server does not tell
     * clients its paths).
     */
    @Override
    public void list(ObjectVisitor visitor) throws StoreException {
        String after = null;
        do {
            String path = "/v1/objects?limit=" + pageSize + (after == null ? "" : "&after=" + after);
            Reply resp = connection.send(connection.request(HttpMethod.GET, path), "listing objects");
            connection.expect(resp, "listing objects", 200);
            JsonTree page = connection.json(resp);
            for (JsonTree o : page.path("objects")) {
                ObjectId id = objectId(o.path("chunk_id").asText(), "listing objects");
                if (o.path("damaged").asBoolean(false)) {
                    visitor.damaged(id, new StoreException.Corrupt("the server at " + connection.base()
                            + " reports object " + id + " damaged (its log says how)"));
                    continue;
                }
                visitor.object(new ObjectInfo(id, meta(o.path("meta").toString(), "listing objects"),
                        o.path("size").asLong()));
            }
            JsonTree next = page.path("next");
            after = next.isTextual() ? objectId(next.asText(), "listing objects").value() : null;
        } while (after != null);
    }

    /** Lets tests page through a listing without storing thousands of objects. */
    void setPageSize(int pageSize) {
        this.pageSize = pageSize;
    }

    /** Nothing to do: the server makes every upload durable before it answers. */
    @Override
    public void flush() {}

    // ---- records

    @Override
    public Optional<StoredRecord> getRecord(String name) throws StoreException {
        checkRecordName(name);
        String what = "reading record " + name;
        Reply resp = connection.send(connection.request(HttpMethod.GET, "/v1/records/" + name), what);
        if (resp.status() == 404) {
            return Optional.empty();
        }
        connection.expect(resp, what, 200);
        long version = resp.headers().getLongField("Record-Version");
        if (version < 1) {
            throw new StoreException("the server at " + connection.base() + " sent record " + name + " without a valid Record-Version");
        }
        return Optional.of(new StoredRecord(version, resp.content()));
    }

    @Override
    public long compareAndSetRecord(String name, long expectedVersion, byte[] body) throws StoreException {
        checkRecordName(name);
        if (expectedVersion < 0) {
            throw new StoreException.BadRequest("record version must not be negative");
        }
        String what = "writing record " + name;
        Reply resp = connection.send(ServerConnection.withBody(connection.request(HttpMethod.PUT, "/v1/records/" + name), body)
                .headers(h -> h.put(HttpHeader.IF_MATCH, Long.toString(expectedVersion))), what);
        connection.expect(resp, what, 200);
        long version = connection.json(resp).path("version").asLong(-1);
        if (version < 1) {
            throw new StoreException("the server at " + connection.base() + " answered " + what + " without the new version");
        }
        return version;
    }

    @Override
    public List<String> recordNames() throws StoreException {
        Reply resp = connection.send(connection.request(HttpMethod.GET, "/v1/records"), "listing records");
        connection.expect(resp, "listing records", 200);
        List<String> names = new ArrayList<>();
        for (JsonTree n : connection.json(resp).path("records")) {
            names.add(n.asText());
        }
        names.sort(null);
        return names;
    }

    private static boolean canBeLabel(String label) {
        try {
            ObjectMeta.single(label);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void checkRecordName(String name) throws StoreException {
        if (!Store.isValidRecordName(name)) {
            throw new StoreException.BadRequest("invalid record name: " + name);
        }
    }

    @Override
    public void close() throws StoreException {
        connection.close();
    }

    private static String chunkPath(ObjectId id) {
        return "/v1/chunks/" + id.value(); // ids are URL-safe by construction
    }

    private ObjectMeta meta(Reply resp, ObjectId id) throws StoreException {
        return meta(resp.headers().get(ChunkMetaHeader.NAME), "fetching chunk " + id);
    }

    private ObjectMeta meta(String json, String what) throws StoreException {
        try {
            return ChunkMetaHeader.decode(json);
        } catch (IllegalArgumentException e) {
            throw new StoreException("the server at " + connection.base() + " sent bad metadata while " + what + ": " + e.getMessage());
        }
    }

    private ObjectId objectId(String text, String what) throws StoreException {
        if (!ObjectId.isValid(text)) {
            throw new StoreException("the server at " + connection.base() + " sent an invalid chunk id while " + what);
        }
        return new ObjectId(text);
    }

}
