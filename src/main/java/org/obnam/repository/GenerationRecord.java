package org.obnam.repository;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.obnam.crypto.Label;
import org.obnam.generation.ChunkRef;
import org.obnam.generation.SchemaVersion;
import org.obnam.store.ObjectId;
import org.obnam.util.Instants;
import org.obnam.util.JsonTree;

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

    public byte[] toJson() {
        return JsonTree.write(g -> {
            g.writeStartObject();
            g.writeStringField("format", "obnam-generation");
            g.writeNumberField("version", FORMAT_VERSION);
            g.writeObjectFieldStart("schema_version");
            g.writeNumberField("major", schemaVersion.major());
            g.writeNumberField("minor", schemaVersion.minor());
            g.writeEndObject();
            g.writeStringField("started", started.toString());
            g.writeStringField("ended", ended.toString());
            g.writeNumberField("file_count", fileCount);
            g.writeNumberField("file_bytes", fileBytes);
            g.writeNumberField("db_bytes", dbBytes);
            g.writeArrayFieldStart("db_chunks");
            for (ChunkRef c : dbChunks) {
                g.writeStartObject();
                g.writeStringField("label", c.label().hex());
                g.writeStringField("object", c.object().value());
                g.writeNumberField("offset", c.offset());
                g.writeNumberField("length", c.length());
                g.writeNumberField("size", c.size());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    public static GenerationRecord parse(byte[] json) throws CorruptChunkException, RepositoryException {
        try {
            JsonTree n = JsonTree.parse(json);
            if (!"obnam-generation".equals(n.path("format").asText())) {
                throw new CorruptChunkException("not a generation record");
            }
            int version = n.path("version").asInt(-1);
            if (version > FORMAT_VERSION) {
                throw new RepositoryException("the generation record has format " + version
                        + ", newer than this Obnam understands: upgrade Obnam");
            }
            List<ChunkRef> chunks = new ArrayList<>();
            for (JsonTree c : n.path("db_chunks")) {
                chunks.add(new ChunkRef(Label.fromHex(c.path("label").asText()), new ObjectId(c.path("object").asText()),
                        c.path("offset").asLong(), c.path("length").asInt(), c.path("size").asInt()));
            }
            JsonTree sv = n.path("schema_version");
            return new GenerationRecord(new SchemaVersion(sv.path("major").asInt(), sv.path("minor").asInt()),
                    Instants.parse(n.path("started").asText()), Instants.parse(n.path("ended").asText()),
                    n.path("file_count").asLong(), n.path("file_bytes").asLong(), n.path("db_bytes").asLong(), chunks);
        } catch (IOException | RuntimeException e) {
            throw new CorruptChunkException("the generation record is damaged: " + e.getMessage());
        }
    }
}
