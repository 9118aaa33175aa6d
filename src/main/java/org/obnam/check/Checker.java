package org.obnam.check;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
import org.obnam.store.ObjectVisitor;
import org.obnam.store.StoreException;
import org.obnam.store.StoredObject;

/**
 * Verifies a repository: the key record, the generation list, every generation's record and
 * database, and that every chunk a file refers to exists in an object that can be read. With
 * {@code readData}, also downloads, decrypts and verifies every stored chunk. Each damaged object is
 * a problem, and so is each file of each generation that the damage affects; an object the listing
 * cannot read (truncated, empty, not an object file) is one of them, never the end of the check.
 * A stray file among the objects is a note: it holds nothing a generation uses.
 */
public final class Checker {
    private static final ChunkKind[] PACKED_KINDS = {ChunkKind.DATA, ChunkKind.GENERATION_DB};

    private final Repository repo;
    private final Path scratch;
    private final Consumer<String> progress;
    private final CheckReport report = new CheckReport();
    /** Stored objects and their body sizes. One entry per object (a pack holds many chunks). */
    private final Map<ObjectId, Long> objectSizes = new HashMap<>();
    /**
     * Objects found damaged, by the listing or by reading, with the offsets of their damaged chunks
     * (empty: all of it).
     */
    private final Map<ObjectId, Set<Long>> damaged = new HashMap<>();
    /** Objects whose header or metadata the listing could not read: their size and chunks are unknown. */
    private final Set<ObjectId> unreadable = new HashSet<>();
    /**
     * Where each listed object's metadata puts its chunks: a generation's reference must find the
     * chunk it names there. An object swapped for another (or replaced by another authentic one)
     * verifies on its own, so only this comparison shows that a restore would fail.
     */
    private final ChunkPlaces places = new ChunkPlaces();
    /** The objects whose chunks are in {@link #places} (those whose metadata could be read). */
    private final Set<ObjectId> placed = new HashSet<>();
    /** Notes on stray files among the objects, each once however often a retried listing reports it. */
    private final Set<String> strays = new LinkedHashSet<>();

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
        listObjects();
        if (readData) {
            readAllObjects();
        }
        // One set for all generations, filled by the threads that check them: most objects are
        // used by many generations.
        Set<ObjectId> referenced = java.util.concurrent.ConcurrentHashMap.newKeySet();
        boolean everyFileListRead = checkGenerations(list.generations(), referenced);
        // What the file lists that could not be read refer to is unknown: no object is called unused then.
        if (everyFileListRead) {
            long unreferenced = objectSizes.keySet().stream()
                    .filter(id -> !referenced.contains(id) && !damaged.containsKey(id)).count();
            if (unreferenced > 0) {
                report.note(unreferenced + " stored object" + (unreferenced == 1 ? " is" : "s are")
                        + " not used by any generation (left by an interrupted backup; harmless)");
            }
            damaged.keySet().stream()
                    .filter(id -> !referenced.contains(id))
                    .sorted(Comparator.comparing(ObjectId::value))
                    .forEach(id -> report.note("damaged object " + id
                            + " is not used by any generation: no backed-up file is affected"));
        }
        strays.forEach(report::note);
        return report;
    }

    /**
     * Lists every object with its size. A damaged one is a problem at once (the files it affects are
     * named as the generations are checked); a stray file is noted.
     */
    private void listObjects() throws StoreException {
        repo.store().list(new ObjectVisitor() {
            @Override
            public void object(ObjectInfo info) {
                objectSizes.put(info.id(), info.size());
                try {
                    long object = ChunkPlaces.objectHash(info.id());
                    for (LabelRange r : info.meta().ranges(info.size())) {
                        places.add(object, r.offset(), r.length(), labelPrefix(r.label()));
                    }
                    placed.add(info.id());
                } catch (IllegalArgumentException e) {
                    // damaged metadata: reading the object says so; without, references are checked by size only
                }
            }

            @Override
            public void damaged(ObjectId id, StoreException problem) {
                if (unreadable.add(id)) { // a listing that was retried may report it twice
                    report.problem("object " + id + ": " + problem.getMessage());
                    damaged.put(id, new HashSet<>());
                }
            }

            @Override
            public void stray(String where, String why) {
                strays.add("stray file " + where + " is not an object (" + why + "): Obnam does not use it");
            }
        });
        report.objects = objectSizes.size() + unreadable.size();
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

    /** What reading and verifying one object found, for this thread to record in the report. */
    private record ObjectRead(ObjectId id, StoreException failure, String metaProblem, List<ChunkProblem> bad,
            long chunks, long bytes) {}

    private record ChunkProblem(long offset, String problem) {}

    /**
     * Reads and verifies every object, several at once on a pool of one thread per CPU (decrypting
     * and hashing every chunk is the work of a restore); their findings are recorded here, in
     * listing order, so the report does not depend on the threads' timing. At most two objects per
     * thread are read ahead: each holds a whole pack.
     */
    private void readAllObjects() throws Exception {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads,
                r -> Thread.ofPlatform().name("obnam-check").daemon().unstarted(r));
        try {
            ArrayDeque<Future<ObjectRead>> ahead = new ArrayDeque<>();
            int done = 0;
            for (ObjectId id : objectSizes.keySet()) {
                ahead.add(pool.submit(() -> readObject(id)));
                if (ahead.size() >= 2 * threads) {
                    record(ahead.poll(), ++done);
                }
            }
            while (!ahead.isEmpty()) {
                record(ahead.poll(), ++done);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void record(Future<ObjectRead> pending, int done) throws Exception {
        if (done % 100 == 0) {
            progress.accept("read " + done + " of " + objectSizes.size() + " objects");
        }
        ObjectRead read = outcome(pending);
        ObjectId id = read.id();
        switch (read.failure()) {
            case null -> {}
            case StoreException.Corrupt e -> {
                report.problem("object " + id + ": " + e.getMessage());
                damaged.put(id, new HashSet<>());
                pinpoint(id);
                return;
            }
            case StoreException.NotFound e -> {
                return; // deleted meanwhile
            }
            case StoreException.Transient e -> throw e; // the store, not this object: every read after it would fail too
            case StoreException.Forbidden e -> throw e;
            case StoreException e -> {
                // This one object cannot be read (an I/O error on its file): it is lost to a restore.
                report.problem("object " + id + ": " + e.getMessage());
                damaged.put(id, new HashSet<>());
                return;
            }
        }
        if (read.metaProblem() != null) {
            report.problem("object " + id + ": damaged metadata: " + read.metaProblem());
            damaged.put(id, new HashSet<>());
            return;
        }
        for (ChunkProblem bad : read.bad()) {
            report.problem(bad.problem());
            markDamaged(id, bad.offset());
        }
        report.chunksVerified += read.chunks();
        report.bytesVerified += read.bytes();
    }

    /** On a pool thread: reads one object and verifies its chunks, changing nothing shared. */
    private ObjectRead readObject(ObjectId id) {
        StoredObject whole;
        try {
            whole = repo.store().get(id);
        } catch (StoreException e) {
            return new ObjectRead(id, e, null, List.of(), 0, 0);
        }
        List<LabelRange> ranges;
        try {
            ranges = whole.meta().ranges(whole.body().length);
        } catch (IllegalArgumentException e) {
            return new ObjectRead(id, null, e.getMessage(), List.of(), 0, 0);
        }
        List<ChunkProblem> bad = new ArrayList<>();
        long chunks = 0;
        long bytes = 0;
        for (LabelRange r : ranges) {
            byte[] blob = java.util.Arrays.copyOfRange(whole.body(), (int) r.offset(), (int) (r.offset() + r.length()));
            String problem = chunkProblem(id, r, blob);
            if (problem == null) {
                chunks++;
                bytes += blob.length;
            } else {
                bad.add(new ChunkProblem(r.offset(), problem));
            }
        }
        return new ObjectRead(id, null, null, bad, chunks, bytes);
    }

    /** The object as a whole failed its checksum: find out which of its chunks are still good. */
    private void pinpoint(ObjectId id) {
        ObjectInfo info = null;
        try {
            List<ObjectInfo> one = new java.util.ArrayList<>();
            repo.store().list(new ObjectVisitor() {
                @Override
                public void object(ObjectInfo i) {
                    if (i.id().equals(id)) {
                        one.add(i);
                    }
                }

                @Override
                public void damaged(ObjectId other, StoreException problem) {
                    // reported by the first listing
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
        String problem = chunkProblem(id, r, blob);
        if (problem == null) {
            report.chunksVerified++;
            report.bytesVerified += blob.length;
        } else {
            report.problem(problem);
            markDamaged(id, r.offset());
        }
    }

    /** Why a chunk fails verification, or null when it is good. Reads only what listing the objects recorded. */
    private String chunkProblem(ObjectId id, LabelRange r, byte[] blob) {
        Label label;
        try {
            label = Label.fromHex(r.label());
        } catch (IllegalArgumentException e) {
            return "object " + id + ": chunk at offset " + r.offset() + " has a damaged label";
        }
        boolean single = r.offset() == 0 && objectSizes.getOrDefault(id, -1L) == r.length();
        ChunkKind[] kinds = single ? new ChunkKind[] {ChunkKind.DATA, ChunkKind.GENERATION_DB, ChunkKind.GENERATION}
                : PACKED_KINDS;
        for (ChunkKind kind : kinds) {
            try {
                repo.codec().decode(kind, label, blob);
                return null;
            } catch (CorruptChunkException e) {
                // try the next kind
            }
        }
        return "object " + id + ": chunk " + label + " at offset " + r.offset() + " fails verification";
    }

    private void markDamaged(ObjectId id, long offset) {
        damaged.computeIfAbsent(id, k -> new HashSet<>()).add(offset);
    }

    /** Why a chunk reference cannot be restored, or null when it can. */
    private String fault(ChunkRef ref) {
        Set<Long> bad = damaged.get(ref.object());
        if (bad != null && bad.isEmpty()) {
            return "is damaged (object " + ref.object() + ")"; // all of it: a restore cannot read any of its chunks
        }
        Long size = objectSizes.get(ref.object());
        if (size == null) {
            return "is missing (object " + ref.object() + ")";
        }
        if (ref.offset() < 0 || ref.offset() + ref.length() > size) {
            return "lies outside object " + ref.object();
        }
        if (bad != null && bad.contains(ref.offset())) {
            return "is damaged (object " + ref.object() + ")";
        }
        if (placed.contains(ref.object())
                && !places.contains(ChunkPlaces.objectHash(ref.object()), ref.offset(), ref.length(),
                        labelPrefix(ref.label()))) {
            return "is not in object " + ref.object() + ": the object's metadata has another chunk, or none, at"
                    + " offset " + ref.offset() + " (the object was replaced or swapped with another)";
        }
        return null;
    }

    /** The first 8 bytes of a label, as the places know it. */
    private static long labelPrefix(Label label) {
        return java.nio.ByteBuffer.wrap(label.bytes()).getLong();
    }

    private static long labelPrefix(String hex) {
        if (hex.length() == 2 * Label.LENGTH) {
            try {
                return Long.parseUnsignedLong(hex, 0, 16, 16); // the same as the label's first 8 bytes
            } catch (NumberFormatException e) {
                // not a label of ours: any stable number will do, it matches no reference
            }
        }
        return hex.hashCode();
    }

    /** What checking one generation found, for this thread to record in the report. */
    private record GenerationCheck(boolean fileListRead, long files, long chunkReferences, List<String> problems) {}

    /**
     * Checks the generations, several at once on a pool of one thread per CPU (each fetches and
     * reads its own file list; what they look up, the objects and their damage, is complete and no
     * longer changes); their findings are recorded in list order, so the report does not depend on
     * the threads' timing. True when every file list was read (so all they refer to is known).
     */
    private boolean checkGenerations(List<GenerationList.Item> generations, Set<ObjectId> referenced) throws Exception {
        int threads = Math.max(1, Math.min(generations.size(), Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads,
                r -> Thread.ofPlatform().name("obnam-check").daemon().unstarted(r));
        boolean everyFileListRead = true;
        try {
            ArrayDeque<Future<GenerationCheck>> ahead = new ArrayDeque<>();
            for (GenerationList.Item g : generations) {
                ahead.add(pool.submit(() -> checkGeneration(g, referenced)));
                if (ahead.size() > threads) {
                    everyFileListRead &= record(ahead.poll());
                }
            }
            while (!ahead.isEmpty()) {
                everyFileListRead &= record(ahead.poll());
            }
        } finally {
            pool.shutdownNow();
            // A task stopped early still deletes its copy of a file list: let it, for a while.
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
        return everyFileListRead;
    }

    private boolean record(Future<GenerationCheck> pending) throws Exception {
        GenerationCheck c = outcome(pending);
        report.generations++;
        report.files += c.files();
        report.chunkReferences += c.chunkReferences();
        c.problems().forEach(report::problem);
        return c.fileListRead();
    }

    /** What a pool thread's task returned; what it threw, rethrown here as itself. */
    private static <T> T outcome(Future<T> pending) throws Exception {
        try {
            return pending.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error; // out of memory, say: named as such, as on this thread
            }
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** On a pool thread: checks one generation, changing nothing shared but {@code referenced}, a concurrent set. */
    private GenerationCheck checkGeneration(GenerationList.Item g, Set<ObjectId> referenced) throws Exception {
        progress.accept("checking generation " + g.id());
        List<String> problems = new ArrayList<>();
        referenced.add(g.id());
        if (unreadable.contains(g.id())) {
            problems.add("generation " + g.id() + ": its record is damaged (object " + g.id() + ")");
            return new GenerationCheck(false, 0, 0, problems);
        }
        if (!objectSizes.containsKey(g.id())) {
            problems.add("generation " + g.id() + ": its record is missing");
            return new GenerationCheck(false, 0, 0, problems);
        }
        GenerationRecord record;
        try {
            record = repo.generation(g);
        } catch (Exception e) {
            problems.add("generation " + g.id() + ": its record cannot be read: " + e.getMessage());
            return new GenerationCheck(false, 0, 0, problems);
        }
        for (ChunkRef ref : record.dbChunks()) {
            referenced.add(ref.object());
            String f = fault(ref);
            if (f != null) {
                problems.add("generation " + g.id() + ": its file list " + f + "; none of its files can be listed");
                return new GenerationCheck(false, 0, 0, problems);
            }
        }
        long[] files = {0};
        long[] chunkReferences = {0};
        Path db = scratch.resolve("check-" + UUID.randomUUID() + ".db");
        try {
            Files.createDirectories(scratch);
            repo.fetchDatabase(record, db);
            try (GenerationReader reader = GenerationReader.open(db)) {
                reader.forEach((StoredEntry e) -> {
                    files[0]++;
                    String firstFault = null;
                    for (ChunkRef ref : e.chunks()) {
                        chunkReferences[0]++;
                        referenced.add(ref.object());
                        String f = firstFault == null ? fault(ref) : null;
                        if (f != null) {
                            firstFault = "chunk " + ref.label() + " " + f;
                        }
                    }
                    if (firstFault != null) {
                        problems.add("generation " + g.id() + ": file " + e.entry().path() + ": " + firstFault);
                    }
                });
            }
            return new GenerationCheck(true, files[0], chunkReferences[0], problems);
        } catch (CorruptChunkException e) {
            problems.add("generation " + g.id() + ": its file list is damaged: " + e.getMessage());
        } catch (Exception e) {
            problems.add("generation " + g.id() + ": its file list cannot be read: " + e.getMessage());
        } finally {
            Files.deleteIfExists(db);
        }
        return new GenerationCheck(false, files[0], chunkReferences[0], problems);
    }
}
