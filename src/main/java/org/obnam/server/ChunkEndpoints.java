package org.obnam.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.obnam.store.ChunkMetaHeader;
import org.obnam.store.DirectoryStore;
import org.obnam.store.ObjectId;
import org.obnam.store.ObjectInfo;
import org.obnam.store.ObjectLocation;
import org.obnam.store.ObjectDraft;
import org.obnam.store.ObjectMeta;
import org.obnam.store.ObjectVisitor;
import org.obnam.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chunks (Rust Obnam's API plus packs and ranges), batch label look-up, and the object listing. */
final class ChunkEndpoints {
    static final String CHUNK_META = ChunkMetaHeader.NAME;
    static final int DEFAULT_PAGE = 1000;
    static final int MAX_PAGE = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(ChunkEndpoints.class);

    private final long maxBodyBytes;
    private final long maxInMemoryBody;
    private final int maxLabelsPerLookup;

    /**
     * @param maxBodyBytes the largest chunk upload (streamed to disk)
     * @param maxInMemoryBody the largest body read whole into the heap (a label list)
     */
    ChunkEndpoints(long maxBodyBytes, long maxInMemoryBody, int maxLabelsPerLookup) {
        this.maxBodyBytes = maxBodyBytes;
        this.maxInMemoryBody = maxInMemoryBody;
        this.maxLabelsPerLookup = maxLabelsPerLookup;
    }

    /** POST /v1/chunks: stores the body, durably, before answering 201 with the new id. The body is never whole in memory. */
    void create(Exchange ex, DirectoryStore store) throws ApiError, StoreException {
        String metaText = ex.header(CHUNK_META);
        if (metaText == null || metaText.isBlank()) {
            throw ApiError.badRequest("the Chunk-Meta header is missing: it holds the chunk's metadata as JSON,"
                    + " such as {\"label\": \"...\"}");
        }
        ObjectMeta meta;
        try {
            meta = ChunkMetaHeader.decode(metaText);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("bad Chunk-Meta header: " + e.getMessage());
        }
        ex.refuseDeclaredOver(maxBodyBytes); // before a draft's file is made for it
        ObjectId id;
        // Straight into the object's file as it arrives: an 8 MiB pack read whole into the heap
        // made a full collection every few uploads, and many at once had to wait for room.
        try (ObjectDraft draft = store.draft()) {
            long length = ex.streamBody(maxBodyBytes, (offset, piece, n) -> draft.write(offset, piece, 0, n));
            try {
                meta.ranges(length);
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("bad Chunk-Meta header: " + e.getMessage());
            }
            id = draft.commit(meta, length);
        }
        store.flush(); // group commit: concurrent uploads share one flush
        LOG.info("created chunk {}", id);
        ex.sendJson(201, Json.MAPPER.createObjectNode().put("chunk_id", id.value()));
    }

    /** GET /v1/chunks?label=L: every chunk holding the label, id to metadata ({} when none). */
    void search(Exchange ex, DirectoryStore store) throws ApiError, StoreException {
        String label = ex.query("label");
        if (label == null) {
            throw ApiError.badRequest("searching chunks needs a label: GET /v1/chunks?label=LABEL");
        }
        if (!isValidLabel(label)) {
            throw ApiError.badRequest("invalid label: 1 to 128 characters of A-Z a-z 0-9 . _ : + = - expected");
        }
        ObjectNode result = Json.MAPPER.createObjectNode();
        for (Map.Entry<ObjectId, ObjectMeta> e : store.findLabel(label).entrySet()) {
            result.set(e.getKey().value(), metaNode(e.getValue()));
        }
        ex.sendJson(200, result);
    }

    /**
     * GET (or HEAD) /v1/chunks/ID, whole or one byte range, sent from the object's file in pieces.
     * A whole object's checksum is checked before its first byte goes out, so damage is answered
     * with an error instead of a stream cut short.
     */
    void fetch(Exchange ex, DirectoryStore store, String idText, boolean head) throws ApiError, StoreException {
        ObjectId id = chunkId(idText);
        String range = ex.header("Range");
        try (DirectoryStore.OpenObject object = store.open(id, !head && range == null)) {
            ObjectInfo info = object.info();
            ex.setHeader(CHUNK_META, ChunkMetaHeader.encode(info.meta()));
            ex.setHeader("Accept-Ranges", "bytes");
            if (head) {
                ex.sendHead(200, info.size());
            } else if (range != null) {
                ByteRange r = ByteRange.parse(range, info.size());
                ex.setHeader("Content-Range", r.contentRange(info.size()));
                ex.sendStream(206, r.length(), (offset, into) -> object.read(r.first() + offset, into));
            } else {
                ex.sendStream(200, info.size(), object::read);
            }
        } catch (StoreException.NotFound e) {
            throw noSuchChunk();
        }
    }

    /** DELETE /v1/chunks/ID. */
    void delete(Exchange ex, DirectoryStore store, String idText) throws ApiError, StoreException {
        ObjectId id = chunkId(idText);
        try {
            store.delete(id);
        } catch (StoreException.NotFound e) {
            throw noSuchChunk();
        }
        LOG.info("deleted chunk {}", id);
        ex.sendJson(200, Json.MAPPER.createObjectNode().put("chunk_id", id.value()));
    }

    /** POST /v1/labels {"labels": [...]}: where each known label is, in one round trip. */
    void lookup(Exchange ex, DirectoryStore store) throws ApiError, StoreException {
        long maxBody = Math.min(maxInMemoryBody, 256L * maxLabelsPerLookup + 4096);
        JsonNode request = ex.jsonBody(maxBody);
        JsonNode list = request.get("labels");
        if (!request.isObject() || list == null || !list.isArray()) {
            throw ApiError.badRequest("the body must be {\"labels\": [\"LABEL\", ...]}");
        }
        if (list.size() > maxLabelsPerLookup) {
            throw new ApiError(413, "at most " + maxLabelsPerLookup + " labels per request, not " + list.size())
                    .with("max_labels", maxLabelsPerLookup);
        }
        List<String> labels = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode l = list.get(i);
            if (!l.isTextual() || !isValidLabel(l.asText())) {
                throw ApiError.badRequest("label number " + (i + 1) + " is not a valid label");
            }
            labels.add(l.asText());
        }
        ObjectNode result = Json.MAPPER.createObjectNode();
        ObjectNode found = result.putObject("found");
        for (Map.Entry<String, ObjectLocation> e : store.findLabels(labels).entrySet()) {
            ObjectLocation loc = e.getValue();
            found.putObject(e.getKey())
                    .put("chunk_id", loc.object().value())
                    .put("offset", loc.offset())
                    .put("length", loc.length());
        }
        ex.sendJson(200, result);
    }

    /** GET /v1/objects?after=ID&limit=N: one page of every object, in id order, for check and repair. */
    void objects(Exchange ex, DirectoryStore store) throws ApiError, StoreException {
        String afterText = ex.query("after");
        ObjectId after = null;
        if (afterText != null && !afterText.isEmpty()) {
            if (!ObjectId.isValid(afterText)) {
                throw ApiError.badRequest("after must be a chunk id");
            }
            after = new ObjectId(afterText);
        }
        int limit = DEFAULT_PAGE;
        String limitText = ex.query("limit");
        if (limitText != null) {
            if (!limitText.matches("[0-9]{1,9}") || Integer.parseInt(limitText) < 1
                    || Integer.parseInt(limitText) > MAX_PAGE) {
                throw ApiError.badRequest("limit must be a whole number from 1 to " + MAX_PAGE);
            }
            limit = Integer.parseInt(limitText);
        }
        ObjectNode result = Json.MAPPER.createObjectNode();
        ArrayNode objects = result.putArray("objects");
        ObjectId next = store.listPage(after, limit, new ObjectVisitor() {
            @Override
            public void object(ObjectInfo info) {
                objects.addObject()
                        .put("chunk_id", info.id().value())
                        .put("size", info.size())
                        .set("meta", metaNode(info.meta()));
            }

            @Override
            public void damaged(ObjectId id, StoreException problem) {
                LOG.warn("object {} is damaged: {}", id, problem.getMessage());
                objects.addObject().put("chunk_id", id.value()).put("damaged", true);
            }
        });
        if (next == null) {
            result.putNull("next");
        } else {
            result.put("next", next.value());
        }
        ex.sendJson(200, result);
    }

    /** An id that cannot exist is answered like one that does not: 404, never a hint. */
    private static ObjectId chunkId(String text) throws ApiError {
        if (!ObjectId.isValid(text)) {
            throw noSuchChunk();
        }
        return new ObjectId(text);
    }

    static ApiError noSuchChunk() {
        return ApiError.notFound("no such chunk");
    }

    static boolean isValidLabel(String label) {
        try {
            ObjectMeta.single(label);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static JsonNode metaNode(ObjectMeta meta) {
        try {
            return Json.parse(meta.json());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored metadata is not JSON", e);
        }
    }
}
