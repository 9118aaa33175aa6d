package org.obnam.repository;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;
import org.obnam.crypto.ChunkKind;
import org.obnam.crypto.CryptoException;
import org.obnam.crypto.KdfParams;
import org.obnam.crypto.KeyRecord;
import org.obnam.crypto.Label;
import org.obnam.crypto.MasterKey;
import org.obnam.crypto.WrongPassphraseException;
import org.obnam.generation.ChunkRef;
import org.obnam.store.ObjectId;
import org.obnam.store.ObjectMeta;
import org.obnam.store.Store;
import org.obnam.store.StoreException;
import org.obnam.store.StoredObject;
import org.obnam.store.StoredRecord;
import org.obnam.util.SystemRandom;

/**
 * One client's repository as the client sees it: a store plus the keys that make its contents
 * readable. Reads verify everything; the generation list is checked against rollback.
 */
public final class Repository {
    public static final String KEY_RECORD = "key";
    public static final String GENERATIONS_RECORD = "generations";
    private static final byte[] GENERATIONS_CONTEXT = ("record:" + GENERATIONS_RECORD).getBytes(StandardCharsets.UTF_8);
    private static final int COMMIT_ATTEMPTS = 20;

    private final Store store;
    private final MasterKey key;
    private final String repositoryId;
    private final ChunkCodec codec;
    private final TrustState trust;
    /** Orders reading and checking the generation list against remembering counters (see {@link #generations}). */
    private final Object trustLock = new Object();
    /**
     * The generation list as this instance last read or wrote it, with its record's version; an
     * update starts from it, and the compare-and-set that stores the update fails if the record
     * has changed since. A backup read the list at its start and again to commit: with hundreds of
     * generations that was tens of milliseconds of decryption and parsing, twice. Guarded by
     * {@link #trustLock}.
     */
    private GenerationList known;

    public Repository(Store store, MasterKey key, String repositoryId, TrustState trust, int zstdLevel) {
        this.store = store;
        this.key = key;
        this.repositoryId = repositoryId;
        this.codec = ChunkCodec.of(key, zstdLevel);
        this.trust = trust;
    }

    /** The outcome of {@code init}: the key, and whether a new repository was set up. */
    public record Unlocked(String repositoryId, MasterKey key, boolean created) {}

    /** The repository's key record; NotInitialised when there is none. */
    public static KeyRecord keyRecord(Store store) throws RepositoryException, StoreException {
        Optional<StoredRecord> r = store.getRecord(KEY_RECORD);
        if (r.isEmpty()) {
            throw new RepositoryException.NotInitialised("the repository " + store.describe()
                    + " has not been initialised: run obnam init");
        }
        try {
            return KeyRecord.parse(r.get().body());
        } catch (IllegalArgumentException e) {
            throw new RepositoryException("the repository " + store.describe() + ": " + e.getMessage());
        }
    }

    /**
     * Sets up keys in a new repository, or unlocks an existing one with the same passphrase (a
     * second machine, or a lost laptop's replacement).
     */
    public static Unlocked initialise(Store store, String passphrase, KdfParams params)
            throws RepositoryException, StoreException, WrongPassphraseException {
        if (store.getRecord(KEY_RECORD).isEmpty()) {
            byte[] id = new byte[16];
            SystemRandom.fill(id);
            String repositoryId = HexFormat.of().formatHex(id);
            MasterKey key = MasterKey.generate();
            KeyRecord record = KeyRecord.create(repositoryId, key, passphrase, params);
            try {
                store.compareAndSetRecord(KEY_RECORD, 0, record.toJson());
                return new Unlocked(repositoryId, key, true);
            } catch (StoreException.Conflict e) {
                // Another client initialised it at the same moment: unlock theirs below.
            }
        }
        KeyRecord record = keyRecord(store);
        return new Unlocked(record.repositoryId(), record.unlock(passphrase), false);
    }

    /** Replaces the key record with one wrapping the same key under a new passphrase. */
    public static void changePassphrase(Store store, MasterKey key, String newPassphrase, KdfParams params)
            throws RepositoryException, StoreException {
        StoredRecord current = store.getRecord(KEY_RECORD).orElseThrow(() ->
                new RepositoryException.NotInitialised("the repository has not been initialised: run obnam init"));
        KeyRecord old;
        try {
            old = KeyRecord.parse(current.body());
        } catch (IllegalArgumentException e) {
            throw new RepositoryException("the repository " + store.describe() + ": " + e.getMessage());
        }
        if (!old.isAuthenticBy(key)) {
            throw new RepositoryException("the key record does not belong to the cached key: run obnam init again");
        }
        KeyRecord fresh = KeyRecord.create(old.repositoryId(), key, newPassphrase, params);
        store.compareAndSetRecord(KEY_RECORD, current.version(), fresh.toJson());
    }

    public Store store() {
        return store;
    }

    public String repositoryId() {
        return repositoryId;
    }

    public ChunkCodec codec() {
        return codec;
    }

    public MasterKey key() {
        return key;
    }

    /**
     * The generation list, refused if older than one this client has seen. Reading it and checking
     * its counter happen under {@link #trustLock}, as does remembering a counter this client wrote:
     * otherwise a commit by another thread of this client, remembered between the read and the
     * check, made a list read a moment earlier look like a rollback.
     */
    public GenerationList generations() throws RepositoryException, StoreException {
        synchronized (trustLock) {
            GenerationList list = readGenerations();
            long seen = trust.highestCounter(repositoryId);
            if (list.counter() < seen) {
                throw new RepositoryException.Rollback("the repository's generation list is older than one this client has"
                        + " seen (counter " + list.counter() + " < " + seen + "): the server or its storage has been rolled"
                        + " back or is replaying old data; refusing to use it");
            }
            trust.remember(repositoryId, list.counter());
            known = list;
            return list;
        }
    }

    private GenerationList readGenerations() throws RepositoryException, StoreException {
        Optional<StoredRecord> r = store.getRecord(GENERATIONS_RECORD);
        if (r.isEmpty()) {
            return GenerationList.empty();
        }
        byte[] json;
        try {
            json = codec.decodeRecord(ChunkKind.GENERATION_LIST, GENERATIONS_CONTEXT, r.get().body(), "the generation list");
        } catch (CryptoException e) {
            throw new RepositoryException("the generation list cannot be trusted: " + e.getMessage());
        } catch (CorruptChunkException e) {
            throw new RepositoryException(e.getMessage(), e);
        }
        return GenerationList.parse(json, r.get().version());
    }

    /** Stores a generation record and appends it to the generation list; returns the new list item. */
    public GenerationList.Item commitGeneration(GenerationRecord record) throws RepositoryException, StoreException {
        byte[] json = record.toJson();
        Label label = codec.label(ChunkKind.GENERATION, json, 0, json.length);
        ObjectId id = store.put(ObjectMeta.single(label.hex()), codec.encode(ChunkKind.GENERATION, label, json, 0, json.length));
        GenerationList.Item item = new GenerationList.Item(id, label, record.ended(), record.schemaVersion().toString(),
                record.fileCount(), record.fileBytes());
        updateGenerations(list -> list.with(item));
        return item;
    }

    /** Changes the generation list with compare-and-set, retrying when another client got there first. */
    public GenerationList updateGenerations(java.util.function.UnaryOperator<GenerationList> change)
            throws RepositoryException, StoreException {
        GenerationList current;
        synchronized (trustLock) {
            current = known;
        }
        for (int attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
            if (current == null) {
                current = generations();
            }
            GenerationList next = change.apply(current);
            byte[] body = codec.encodeRecord(ChunkKind.GENERATION_LIST, GENERATIONS_CONTEXT, next.toJson());
            try {
                long version = store.compareAndSetRecord(GENERATIONS_RECORD, current.recordVersion(), body);
                GenerationList written = new GenerationList(next.counter(), version, next.generations());
                synchronized (trustLock) {
                    trust.remember(repositoryId, next.counter());
                    known = written;
                }
                return written;
            } catch (StoreException.Conflict e) {
                current = null; // changed since it was read, by another client or instance: read again and retry
            }
        }
        throw new RepositoryException("could not update the generation list: other clients kept changing it");
    }

    public GenerationRecord generation(GenerationList.Item item) throws RepositoryException, StoreException, CorruptChunkException {
        StoredObject object = store.get(item.id());
        byte[] plain = codec.decode(ChunkKind.GENERATION, item.label(), object.body());
        return GenerationRecord.parse(plain);
    }

    /** Per-thread, shared by all repositories (see ChunkCodec for why). */
    private static final ThreadLocal<byte[]> BLOB_BUFFERS = ThreadLocal.withInitial(() -> new byte[0]);

    /**
     * A chunk's verified plaintext in this thread's reused buffers (valid until its next read):
     * the restore's hot path. The reused buffers (encrypted, decrypted, and decompressed unless
     * the encrypted one, free by then, holds the plaintext) grow past {@code bufferCap} only as far
     * as this chunk needs.
     */
    public ChunkCodec.Plain readChunkInto(ChunkKind kind, ChunkRef ref, int bufferCap)
            throws StoreException, CorruptChunkException {
        byte[] blob = BLOB_BUFFERS.get();
        if (blob.length < ref.length()) {
            blob = new byte[ChunkCodec.decodeBufferLength(blob.length, ref.length(), bufferCap)];
            BLOB_BUFFERS.set(blob);
        }
        store.readRange(ref.object(), ref.offset(), ref.length(), blob);
        return decodeInto(kind, ref, blob, 0, bufferCap, blob);
    }

    /**
     * Decodes a chunk whose encrypted form the caller already has, at {@code offset} in {@code blob},
     * into this thread's reused buffers (see {@link #readChunkInto}).
     */
    public ChunkCodec.Plain decodeInto(ChunkKind kind, ChunkRef ref, byte[] blob, int offset, int bufferCap)
            throws CorruptChunkException {
        return decodeInto(kind, ref, blob, offset, bufferCap, null);
    }

    private ChunkCodec.Plain decodeInto(ChunkKind kind, ChunkRef ref, byte[] blob, int offset, int bufferCap, byte[] spare)
            throws CorruptChunkException {
        if (offset < 0 || (long) offset + ref.length() > blob.length) {
            throw new CorruptChunkException("chunk " + ref.label() + " lies outside its object " + ref.object());
        }
        ChunkCodec.Plain plain = codec.decodeInto(kind, ref.label(), blob, offset, ref.length(), bufferCap, spare);
        if (plain.length() != ref.size()) {
            throw new CorruptChunkException("chunk " + ref.label() + " has " + plain.length() + " bytes, expected " + ref.size());
        }
        return plain;
    }

    /** A chunk's verified plaintext. */
    public byte[] readChunk(ChunkKind kind, ChunkRef ref) throws StoreException, CorruptChunkException {
        byte[] blob = store.getRange(ref.object(), ref.offset(), ref.length());
        byte[] plain = codec.decode(kind, ref.label(), blob);
        if (plain.length != ref.size()) {
            throw new CorruptChunkException("chunk " + ref.label() + " has " + plain.length + " bytes, expected " + ref.size());
        }
        return plain;
    }

    /** Downloads and verifies a generation's database into {@code dest}. */
    public void fetchDatabase(GenerationRecord record, Path dest) throws StoreException, CorruptChunkException, IOException {
        try (OutputStream out = Files.newOutputStream(dest)) {
            for (ChunkRef ref : record.dbChunks()) {
                out.write(readChunk(ChunkKind.GENERATION_DB, ref));
            }
        }
    }
}
