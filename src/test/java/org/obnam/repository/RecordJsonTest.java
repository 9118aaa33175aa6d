package org.obnam.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.obnam.crypto.KdfParams;
import org.obnam.crypto.KeyRecord;
import org.obnam.crypto.Label;
import org.obnam.crypto.MasterKey;
import org.obnam.generation.ChunkRef;
import org.obnam.generation.SchemaVersion;
import org.obnam.store.ChunkMetaHeader;
import org.obnam.store.ObjectId;
import org.obnam.store.ObjectMeta;
import org.junit.jupiter.api.Test;

/**
 * The exact JSON of the records a repository keeps and of object metadata: repositories and
 * servers written by earlier versions hold these bytes, so they must not change by accident.
 */
class RecordJsonTest {
    private static final Label LABEL = Label.fromHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    private static final ObjectId OBJECT = new ObjectId("pack-1");

    @Test
    void aGenerationListIsCompactJsonInThisLayout() throws Exception {
        GenerationList list = GenerationList.empty().with(new GenerationList.Item(new ObjectId("gen1"), LABEL,
                Instant.parse("2026-11-27T10:00:00.123456789Z"), "0.0", 5, 1234567890123L));
        String expected = "{\"format\":\"obnam-generation-list\",\"version\":1,\"counter\":1,\"generations\":[{\"id\":\"gen1\","
                + "\"label\":\"" + LABEL.hex() + "\",\"ended\":\"2026-11-27T10:00:00.123456789Z\",\"schema_version\":\"0.0\","
                + "\"file_count\":5,\"file_bytes\":1234567890123}]}";
        assertThat(new String(list.toJson(), StandardCharsets.UTF_8)).isEqualTo(expected);
        assertThat(GenerationList.parse(list.toJson(), 7)).isEqualTo(new GenerationList(1, 7, list.generations()));
    }

    @Test
    void aGenerationRecordIsCompactJsonInThisLayout() throws Exception {
        GenerationRecord record = new GenerationRecord(new SchemaVersion(1, 0), Instant.parse("2026-11-27T10:00:00Z"),
                Instant.parse("2026-11-27T10:00:01.5Z"), 3, 4096, 8192,
                List.of(new ChunkRef(LABEL, OBJECT, 1L << 33, 100, 200)));
        String expected = "{\"format\":\"obnam-generation\",\"version\":1,\"schema_version\":{\"major\":1,\"minor\":0},"
                + "\"started\":\"2026-11-27T10:00:00Z\",\"ended\":\"2026-11-27T10:00:01.500Z\",\"file_count\":3,"
                + "\"file_bytes\":4096,\"db_bytes\":8192,\"db_chunks\":[{\"label\":\"" + LABEL.hex() + "\","
                + "\"object\":\"pack-1\",\"offset\":8589934592,\"length\":100,\"size\":200}]}";
        assertThat(new String(record.toJson(), StandardCharsets.UTF_8)).isEqualTo(expected);
        assertThat(GenerationRecord.parse(record.toJson())).isEqualTo(record);
    }

    @Test
    void aKeyRecordIsIndentedJsonInThisLayout() {
        KeyRecord record = KeyRecord.create("repo1", MasterKey.generate(), "pw", new KdfParams(64, 1, 1));
        String json = new String(record.toJson(), StandardCharsets.UTF_8);
        assertThat(json.replaceAll("\"[0-9a-f]{32,}\"", "\"HEX\"")).isEqualTo("""
                {
                  "format" : "obnam-key",
                  "version" : 1,
                  "repository_id" : "repo1",
                  "kdf" : {
                    "algorithm" : "argon2id",
                    "argon2_version" : 19,
                    "memory_kib" : 64,
                    "iterations" : 1,
                    "parallelism" : 1,
                    "salt" : "HEX"
                  },
                  "cipher" : "aes-256-gcm",
                  "wrapped_key" : "HEX",
                  "mac" : "HEX"
                }
                """);
    }

    @Test
    void damagedRecordsAreRefusedWithTheirNames() {
        byte[] notJson = "{\"format\":".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> GenerationList.parse(notJson, 1)).isInstanceOf(RepositoryException.class)
                .hasMessageStartingWith("the generation list is damaged");
        assertThatThrownBy(() -> GenerationRecord.parse("[]".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("not a generation record");
        assertThatThrownBy(() -> KeyRecord.parse(notJson)).hasMessage("the key record is not valid JSON");
        assertThatThrownBy(() -> KeyRecord.parse(new byte[0])).hasMessageContaining("not an Obnam key record");
        assertThatThrownBy(() -> KeyRecord.parse("null".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("not an Obnam key record");
    }

    @Test
    void objectMetadataIsCompactJsonAndItsHeaderIsAscii() {
        assertThat(ObjectMeta.single("abc").json()).isEqualTo("{\"label\":\"abc\"}");
        assertThat(ObjectMeta.pack(List.of("a", "b"), List.of(1L, 20L)).json())
                .isEqualTo("{\"labels\":[\"a\",\"b\"],\"lengths\":[1,20]}");
        // Fields Obnam does not know are kept, re-encoded compactly, as the server stores them.
        ObjectMeta parsed = ObjectMeta.parse("{ \"label\" : \"abc\", \"note\" : \"caf\u00e9 \\u0001\", \"n\" : [1.5, true, null] }");
        assertThat(parsed.json()).isEqualTo("{\"label\":\"abc\",\"note\":\"caf\u00e9 \\u0001\",\"n\":[1.5,true,null]}");
        assertThat(ChunkMetaHeader.encode(parsed))
                .isEqualTo("{\"label\":\"abc\",\"note\":\"caf\\u00E9 \\u0001\",\"n\":[1.5,true,null]}");
        assertThat(ChunkMetaHeader.decode(ChunkMetaHeader.encode(parsed))).isEqualTo(parsed);
    }
}
