package org.obnam.check;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.obnam.crypto.ChunkKind;
import org.obnam.crypto.KeyRecord;
import org.obnam.crypto.Label;
import org.obnam.generation.ChunkRef;
import org.obnam.generation.GenerationReader;
import org.obnam.generation.StoredEntry;
import org.obnam.repository.CorruptChunkException;
import org.obnam.repository.GenerationList;
import org.obnam.repository.GenerationRecord;
import org.obnam.repository.Repository;
import org.obnam.store.LabelRange;
import org.obnam.store.ObjectId;
import org.obnam.store.ObjectInfo;
import org.obnam.store.StoreException;
import org.obnam.store.StoredObject;

/**
 * Verifies a repository: the key record, the generation list, every generation's record and
 * database, and that every chunk a file refers to exists. With {@code readData}, also downloads,
 * decrypts and verifies every stored chunk, and names the files of each generation that damage
 * affects.
 */
public final class Checker {
    private static final ChunkKind[] PACKED_KINDS = {ChunkKind.DATA, ChunkKind.GENERATION_DB};

    private final Repository repo;
    private final Path scratch;
    private final Consumer<String> progress;
    private final CheckReport report = new CheckReport();
    /** Stored objects and their body sizes. One entry per object (a pack holds many chunks). */
    private final Map<ObjectId, Long> objectSizes = new HashMap<>();
    /** Objects found damaged by reading, with the offsets of their damaged chunks (empty: all of it). */
    private final Map<ObjectId, Set<Long>> damaged = new HashMap<>();

    public Checker(Repository repo, Path scratch, Consumer<String> progress) {
        this.repo = repo;
        this.scratch = scratch;
        this.progress = progress;
    }

    public CheckReport check(boolean readData) throws Exception {
        checkKeyRecord();
        GenerationList list;
        try {
            list = repo.generations();
        } catch (Exception e) {
            report.problem("generation list: " + e.getMessage());
            return report;
        }
        progress.accept("listing stored objects");
        repo.store().list(info -> objectSizes.put(info.id(), info.size()));
        report.objects = objectSizes.size();
        if (readData) {
            readAllObjects();
        }
        Set<ObjectId> referenced = new HashSet<>();
        for (GenerationList.Item g : list.generations()) {
            checkGeneration(g, referenced);
        }
        long unreferenced = objectSizes.keySet().stream().filter(id -> !referenced.contains(id)).count();
        if (unreferenced > 0) {
            report.note(unreferenced + " stored object" + (unreferenced == 1 ? " is" : "s are")
                    + " not used by any generation (left by an interrupted backup; harmless)");
        }
        return report;
    }

    private void checkKeyRecord() {
        try {
            KeyRecord record = Repository.keyRecord(repo.store());
            if (!record.isAuthenticBy(repo.key())) {
                report.problem("key record: it does not authenticate with this repository's key: it was damaged or replaced");
            }
        } catch (Exception e) {
            report.problem("key record: " + e.getMessage());
        }
    }

    private void readAllObjects() throws StoreException {
        int done = 0;
        for (ObjectId id : objectSizes.keySet()) {
            if (++done % 100 == 0) {
                progress.accept("read " + done + " of " + objectSizes.size() + " objects");
            }
            StoredObject whole;
            try {
                whole = repo.store().get(id);
            } catch (StoreException.Corrupt e) {
                report.problem("object " + id + ": " + e.getMessage());
                damaged.put(id, new HashSet<>());
                pinpoint(id);
                continue;
            } catch (StoreException.NotFound e) {
                continue; // deleted meanwhile
            }
            List<LabelRange> ranges;
            try {
                ranges = whole.meta().ranges(whole.body().length);
            } catch (IllegalArgumentException e) {
                report.problem("object " + id + ": damaged metadata: " + e.getMessage());
                damaged.put(id, new HashSet<>());
                continue;
            }
            for (LabelRange r : ranges) {
                byte[] blob = java.util.Arrays.copyOfRange(whole.body(), (int) r.offset(), (int) (r.offset() + r.length()));
                verifyChunk(id, r, blob);
            }
        }
    }

    /** The object as a whole failed its checksum: find out which of its chunks are still good. */
    private void pinpoint(ObjectId id) {
        ObjectInfo info = null;
        try {
            List<ObjectInfo> one = new java.util.ArrayList<>();
            repo.store().list(i -> {
                if (i.id().equals(id)) {
                    one.add(i);
                }
            });
            info = one.isEmpty() ? null : one.getFirst();
            if (info == null) {
                return;
            }
            for (LabelRange r : info.meta().ranges(info.size())) {
                try {
                    verifyChunk(id, r, repo.store().getRange(id, r.offset(), (int) r.length()));
                } catch (StoreException e) {
                    damaged.get(id).add(r.offset());
                }
            }
        } catch (Exception e) {
            // the whole object stays marked damaged
        }
    }

    private void verifyChunk(ObjectId id, LabelRange r, byte[] blob) {
        Label label;
        try {
            label = Label.fromHex(r.label());
        } catch (IllegalArgumentException e) {
            report.problem("object " + id + ": chunk at offset " + r.offset() + " has a damaged label");
            markDamaged(id, r.offset());
            return;
        }
        boolean single = r.offset() == 0 && objectSizes.getOrDefault(id, -1L) == r.length();
        ChunkKind[] kinds = single ? new ChunkKind[] {ChunkKind.DATA, ChunkKind.GENERATION_DB, ChunkKind.GENERATION}
                : PACKED_KINDS;
        for (ChunkKind kind : kinds) {
            try {
                repo.codec().decode(kind, label, blob);
                report.chunksVerified++;
                report.bytesVerified += blob.length;
                return;
            } catch (CorruptChunkException e) {
                // try the next kind
            }
        }
        report.problem("object " + id + ": chunk " + label + " at offset " + r.offset() + " fails verification");
        markDamaged(id, r.offset());
    }

    private void markDamaged(ObjectId id, long offset) {
        damaged.computeIfAbsent(id, k -> new HashSet<>()).add(offset);
    }

    /** Why a chunk reference cannot be restored, or null when it can. */
    private String fault(ChunkRef ref) {
        Long size = objectSizes.get(ref.object());
        if (size == null) {
            return "is missing (object " + ref.object() + ")";
        }
        if (ref.offset() < 0 || ref.offset() + ref.length() > size) {
            return "lies outside object " + ref.object();
        }
        Set<Long> bad = damaged.get(ref.object());
        if (bad != null && (bad.isEmpty() || bad.contains(ref.offset()))) {
            return "is damaged (object " + ref.object() + ")";
        }
        return null;
    }

    private void checkGeneration(GenerationList.Item g, Set<ObjectId> referenced) throws Exception {
        progress.accept("checking generation " + g.id());
        report.generations++;
        referenced.add(g.id());
        if (!objectSizes.containsKey(g.id())) {
            report.problem("generation " + g.id() + ": its record is missing");
            return;
        }
        GenerationRecord record;
        try {
            record = repo.generation(g);
        } catch (Exception e) {
            report.problem("generation " + g.id() + ": its record cannot be read: " + e.getMessage());
            return;
        }
        for (ChunkRef ref : record.dbChunks()) {
            referenced.add(ref.object());
            String f = fault(ref);
            if (f != null) {
                report.problem("generation " + g.id() + ": its file list " + f + "; none of its files can be listed");
                return;
            }
        }
        Path db = scratch.resolve("check-" + UUID.randomUUID() + ".db");
        try {
            Files.createDirectories(scratch);
            repo.fetchDatabase(record, db);
            try (GenerationReader reader = GenerationReader.open(db)) {
                reader.forEach((StoredEntry e) -> {
                    report.files++;
                    String firstFault = null;
                    for (ChunkRef ref : e.chunks()) {
                        report.chunkReferences++;
                        referenced.add(ref.object());
                        String f = firstFault == null ? fault(ref) : null;
                        if (f != null) {
                            firstFault = "chunk " + ref.label() + " " + f;
                        }
                    }
                    if (firstFault != null) {
                        report.problem("generation " + g.id() + ": file " + e.entry().path() + ": " + firstFault);
                    }
                });
            }
        } catch (CorruptChunkException e) {
            report.problem("generation " + g.id() + ": its file list is damaged: " + e.getMessage());
        } catch (Exception e) {
            report.problem("generation " + g.id() + ": its file list cannot be read: " + e.getMessage());
        } finally {
            Files.deleteIfExists(db);
        }
    }
}
