package org.obnam.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import org.obnam.store.DirectoryStore;
import org.obnam.store.Store;
import org.obnam.store.StoreException;
import org.obnam.store.StoredRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Small mutable records, such as the client's generation list, updated by compare-and-set: a
 * write names the version it expects ({@code If-Match: N}, 0 for "must not exist yet") and loses
 * with 409 when another write came first.
 */
final class RecordEndpoints {
    static final String VERSION_HEADER = "Record-Version";
    private static final Logger LOG = LoggerFactory.getLogger(RecordEndpoints.class);

    private final long maxBodyBytes;

    RecordEndpoints(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    /** GET /v1/records: the names of the records that exist. */
    void names(Exchange ex, DirectoryStore store) throws StoreException {
        ObjectNode result = Json.MAPPER.createObjectNode();
        ArrayNode names = result.putArray("records");
        store.recordNames().forEach(names::add);
        ex.sendJson(200, result);
    }

    /**
     * GET /v1/records/NAME: the body, with its version in Record-Version (and as an ETag). With
     * {@code ?version=N}: that version, current or kept in the record's history.
     */
    void get(Exchange ex, DirectoryStore store, String name) throws ApiError, StoreException {
        checkName(name);
        String versionText = ex.query("version");
        Optional<StoredRecord> record;
        if (versionText == null) {
            record = store.getRecord(name);
        } else {
            if (!versionText.matches("[0-9]{1,18}") || Long.parseLong(versionText) < 1) {
                throw ApiError.badRequest("version must be a record version: a whole number from 1");
            }
            record = store.getRecordVersion(name, Long.parseLong(versionText));
            if (record.isEmpty()) {
                throw ApiError.notFound("record " + name + " has no version " + versionText);
            }
        }
        if (record.isEmpty()) {
            throw ApiError.notFound("no record " + name);
        }
        ex.setHeader(VERSION_HEADER, Long.toString(record.get().version()));
        ex.setHeader("ETag", "\"" + record.get().version() + "\"");
        ex.sendBytes(200, record.get().body());
    }

    /** PUT /v1/records/NAME with If-Match: the expected version; answers the new version. */
    void put(Exchange ex, DirectoryStore store, String name) throws ApiError, StoreException {
        checkName(name);
        String ifMatch = ex.header("If-Match");
        if (ifMatch == null) {
            throw new ApiError(428, "writing a record needs If-Match: the version it replaces (0 if it must not exist yet)");
        }
        String v = ifMatch.strip();
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            v = v.substring(1, v.length() - 1);
        }
        if (!v.matches("[0-9]{1,18}")) {
            throw ApiError.badRequest("If-Match must be a record version: a whole number, 0 if the record must not exist yet");
        }
        long expected = Long.parseLong(v);
        byte[] body = ex.body(maxBodyBytes);
        long version;
        try {
            version = store.compareAndSetRecord(name, expected, body);
        } catch (StoreException.Conflict e) {
            throw new ApiError(409, "record " + name + " is at version " + e.currentVersion() + ", not " + expected)
                    .with("version", e.currentVersion());
        }
        LOG.info("wrote record {} version {}", name, version);
        ex.setHeader(VERSION_HEADER, Long.toString(version));
        ex.sendJson(200, Json.MAPPER.createObjectNode().put("version", version));
    }

    private static void checkName(String name) throws ApiError {
        if (!Store.isValidRecordName(name)) {
            throw ApiError.badRequest("invalid record name: 1 to 64 characters of a-z 0-9 . _ -, starting with a letter or digit");
        }
    }
}
