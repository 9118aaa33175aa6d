package org.obnam.repository;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.obnam.crypto.Label;
import org.obnam.generation.ChunkRef;
import org.obnam.generation.SchemaVersion;
import org.obnam.store.ObjectId;

/**
 * A generation as stored: when it was made, what it holds in brief, and the chunks that make up
 * its SQLite database. Stored encrypted as one object; its object id is the generation's id.
 */
public record GenerationRecord(
        SchemaVersion schemaVersion,
        Instant started,
        Instant ended,
        long fileCount,
        long fileBytes,
        long dbBytes,
        List<ChunkRef> dbChunks) {
    public static final int FORMAT_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    public byte[] toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("format", "obnam-generation");
        n.put("version", FORMAT_VERSION);
        ObjectNode sv = n.putObject("schema_version");
        sv.put("major", schemaVersion.major());
        sv.put("minor", schemaVersion.minor());
        n.put("started", started.toString());
        n.put("ended", ended.toString());
        n.put("file_count", fileCount);
        n.put("file_bytes", fileBytes);
        n.put("db_bytes", dbBytes);
        ArrayNode chunks = n.putArray("db_chunks");
        for (ChunkRef c : dbChunks) {
            ObjectNode o = chunks.addObject();
            o.put("label", c.label().hex());
            o.put("object", c.object().value());
            o.put("offset", c.offset());
            o.put("length", c.length());
            o.put("size", c.size());
        }
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static GenerationRecord parse(byte[] json) throws CorruptChunkException, RepositoryException {
        try {
            JsonNode n = JSON.readTree(json);
            if (!"obnam-generation".equals(n.path("format").asText())) {
                throw new CorruptChunkException("not a generation record");
            }
            int version = n.path("version").asInt(-1);
            if (version > FORMAT_VERSION) {
                throw new RepositoryException("the generation record has format " + version
                        + ", newer than this Obnam understands: upgrade Obnam");
            }
            List<ChunkRef> chunks = new ArrayList<>();
            for (JsonNode c : n.path("db_chunks")) {
                chunks.add(new ChunkRef(Label.fromHex(c.path("label").asText()), new ObjectId(c.path("object").asText()),
                        c.path("offset").asLong(), c.path("length").asInt(), c.path("size").asInt()));
            }
            JsonNode sv = n.path("schema_version");
            return new GenerationRecord(new SchemaVersion(sv.path("major").asInt(), sv.path("minor").asInt()),
                    Instant.parse(n.path("started").asText()), Instant.parse(n.path("ended").asText()),
                    n.path("file_count").asLong(), n.path("file_bytes").asLong(), n.path("db_bytes").asLong(), chunks);
        } catch (IOException | RuntimeException e) {
            throw new CorruptChunkException("the generation record is damaged: " + e.getMessage());
        }
    }
}
