package org.obnam.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.obnam.chunking.Chunker;
import org.obnam.chunking.ChunkerParams;
import org.obnam.crypto.ChunkKind;
import org.obnam.fs.Dir;
import org.obnam.fs.OpenFile;
import org.obnam.fs.RawPath;
import org.obnam.generation.ChunkRef;
import org.obnam.generation.Entry;
import org.obnam.generation.GenerationException;
import org.obnam.generation.GenerationReader;
import org.obnam.generation.GenerationWriter;
import org.obnam.generation.Reason;
import org.obnam.repository.GenerationList;
import org.obnam.repository.GenerationRecord;
import org.obnam.repository.PackLayout;
import org.obnam.repository.Repository;
import org.obnam.repository.RepositoryException;
import org.obnam.store.StoreException;
import org.obnam.util.Progress;

/**
 * One backup run, end to end. Concurrency lives here and in the classes it starts:
 *
 * <pre>
 * walker thread ──items in walk order──▶ this thread: adds each entry to the database in walk
 *      │                                   order, and each file's chunk list once it is stored
 *      └──files──▶ Readers (pool) ──chunks──▶ ChunkPipeline (dedup, encode pool, packs, upload pool)
 * </pre>
 *
 * Bytes in flight are bounded by the pipeline's budget, open files by the readers, entries by the
 * item queue and the window of files whose chunk lists are still to come. The first error stops
 * every stage; nothing is added to the generation list unless the whole run succeeded.
 */
public final class BackupRun {
    private static final System.Logger LOG = System.getLogger("org.obnam.backup");

    /**
     * The ring plaintext waits in to be encoded (see {@link PlaintextRing}): half a largest chunk
     * per thread (two of the average size: one at work, one waiting) and at least 4 MiB, plus one
     * largest chunk for the room a slice cannot use at the ring's end; never more than a quarter
     * of the heap (the readers and encoders need the rest), never less than one largest chunk (of
     * the data, or of the generation's database). 8 MiB for two threads and 4 MiB chunks: a bulk
     * backup was as fast as with 12 or 20 MiB, and slower with 6.
     */
    static int plaintextRing(int threads, int maxChunk, long heap) {
        long wanted = Math.max(4L << 20, (long) threads * maxChunk / 2) + maxChunk;
        long bytes = Math.max(Math.max(maxChunk, GENERATION_DB_CHUNK) + 1L, Math.min(heap / 4, wanted));
        return (int) Math.min(Integer.MAX_VALUE - 8, bytes);
    }

    static int uploaders(int threads) {
        return Math.max(2, Math.min(8, threads));
    }

    /**
     * What a backup with {@code threads} threads holds at most, in bytes (see docs/performance.md).
     * Packs are on disk while they fill unless the store keeps its drafts in memory; otherwise
     * each encoder has a buffer for a piece of a blob and there are a few windows for small blobs.
     */
    static long memoryNeeded(int threads, int maxChunk, long heap, boolean draftsInMemory) {
        long packs = draftsInMemory
                ? (uploaders(threads) + 2L) * Math.max(PackLayout.TARGET_BYTES, maxChunk)
                : (threads + 2L) * ChunkPipeline.WINDOW_BYTES + (long) threads * ChunkPipeline.SEAL_PIECE;
        long readers = Math.max(2, threads) * (long) Chunker.Splitter.bufferSizeFor(ChunkerParams.forMaxSize(maxChunk));
        long encoders = (long) threads * maxChunk;
        // the ring, and for a while the small array it starts with (PlaintextRing.SMALL_START)
        long ring = plaintextRing(threads, maxChunk, heap) + (long) PlaintextRing.SMALL_START;
        return packs + ring + readers + encoders + (24L << 20);
    }

    /**
     * How much of the heap a backup's buffers may take. They are long-lived and most are large
     * arrays, which the serial collector puts straight into the old generation, two thirds of the
     * heap: with 85%, a 64 MiB {@code chunk_size} ran out of a 592 MiB heap on two threads with
     * 357 MiB in use.
     */
    static final int HEAP_PERCENT_FOR_BUFFERS = 60;

    /**
     * As many of the {@code requested} threads as the heap can hold: each thread costs buffers of a
     * few chunks, and running out of memory would fail the backup, so a machine with many cores
     * and the default heap uses fewer threads rather than fail.
     */
    static int threadsForHeap(int requested, int maxChunk, long heap, boolean draftsInMemory) {
        int threads = Math.max(1, requested);
        while (threads > 1 && memoryNeeded(threads, maxChunk, heap, draftsInMemory) > heap * HEAP_PERCENT_FOR_BUFFERS / 100) {
            threads--;
        }
        return threads;
    }
    /*
     * Everything waiting between the stages lives long enough to survive a young collection, and
     * what survives beyond the small survivor spaces is promoted, fills the old generation and
     * grows the heap: with 8,192 items and 8,192 unfinished files in flight, the heap grew by half
     * for 50,000 small files and to its limit for 200,000, with no gain in speed. A thousand of
     * each keeps both cores busy.
     */
    /** Items the walker may be ahead of the database writer, at most. */
    private static final int ITEM_WINDOW = 1024;
    /** Files added to the database while their content is still being stored, at most. */
    private static final int UNFINISHED_WINDOW = 1024;
    private static final int GENERATION_DB_CHUNK = 1 << 20;

    private final Repository repo;
    private final BackupOptions options;
    private final Progress progress;
    private final Warnings warnings;

    private BackupRun(Repository repo, BackupOptions options, Progress progress, Consumer<String> onWarning) {
        this.repo = repo;
        this.options = options;
        this.progress = progress;
        this.warnings = new Warnings(onWarning);
    }

    /** Makes one backup of {@code options.roots()} and adds it to the generation list. */
    public static BackupOutcome run(Repository repo, BackupOptions options, Progress progress, Consumer<String> onWarning)
            throws BackupException, InterruptedException {
        return new BackupRun(repo, options, progress, onWarning).run();
    }

    private BackupOutcome run() throws BackupException, InterruptedException {
        List<RawPath> roots = checkRoots();
        Instant started = Instant.now();
        GenerationList generations;
        try {
            generations = repo.generations();
        } catch (RepositoryException | StoreException e) {
            throw new BackupException(e.getMessage(), e);
        }
        boolean incremental = !generations.generations().isEmpty();
        Path scratch = options.scratch();
        String tag = UUID.randomUUID().toString();
        Path previousDb = scratch.resolve("previous-" + tag + ".db");
        Path newDb = scratch.resolve("new-" + tag + ".db");
        GenerationReader previous = null;
        boolean previousFailed = false;
        GenerationCache cache = new GenerationCache(options.generationCache(), repo.repositoryId());
        try {
            Files.createDirectories(scratch);
            if (incremental) {
                GenerationList.Item latest = generations.generations().getLast();
                try {
                    GenerationRecord record = repo.generation(latest);
                    previous = cached(cache, latest, record);
                    if (previous == null) {
                        repo.fetchDatabase(record, previousDb);
                        previous = GenerationReader.open(previousDb);
                        LOG.log(System.Logger.Level.DEBUG, "fetched previous generation {0} ({1} bytes)", latest.id(),
                                Files.size(previousDb));
                    }
                } catch (Exception e) {
                    previousFailed = true;
                    warnings.add("cannot use the previous generation " + latest.id() + " (" + e.getMessage()
                            + "): every file is read again");
                }
            }
            return backup(roots, started, incremental, previous, previousFailed, newDb, cache);
        } catch (IOException e) {
            throw new BackupException("cannot use the scratch directory " + scratch + ": " + e.getMessage(), e);
        } finally {
            if (previous != null) {
                previous.close();
            }
            deleteQuietly(previousDb);
            deleteQuietly(newDb);
        }
    }

    /** The previous generation's database as this client kept it, or null to fetch it. */
    private static GenerationReader cached(GenerationCache cache, GenerationList.Item latest, GenerationRecord record) {
        Optional<Path> kept = cache.find(latest.id().value(), record.dbBytes());
        if (kept.isEmpty()) {
            return null;
        }
        GenerationReader reader = null;
        try {
            reader = GenerationReader.open(kept.get());
            if (reader.fileCount() == record.fileCount()) { // a damaged file fails here, not in the walk
                LOG.log(System.Logger.Level.DEBUG, "previous generation {0} from the local cache {1}", latest.id(),
                        kept.get());
                return reader;
            }
            LOG.log(System.Logger.Level.DEBUG, "the cached database of generation {0} does not match it", latest.id());
        } catch (GenerationException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot use the cached database of generation {0}: {1}", latest.id(),
                    e.getMessage());
        }
        if (reader != null) {
            reader.close();
        }
        return null;
    }

    private List<RawPath> checkRoots() throws BackupException {
        List<RawPath> roots = new ArrayList<>();
        for (String root : options.roots()) {
            Path p = Path.of(root);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new BackupException("backup root " + root + " does not exist");
            }
            RawPath raw;
            try {
                raw = RawPath.ofUtf8(root);
            } catch (IllegalArgumentException e) {
                // ".." cannot be resolved without the file system: use the absolute path
                raw = RawPath.ofUtf8(p.toAbsolutePath().normalize().toString());
            }
            RawPath candidate = raw;
            if (roots.stream().anyMatch(r -> candidate.startsWith(r))) {
                continue; // inside a root already listed
            }
            roots.removeIf(r -> r.startsWith(candidate));
            roots.add(raw);
        }
        return roots;
    }

    private BackupOutcome backup(List<RawPath> roots, Instant started, boolean incremental, GenerationReader previous,
            boolean previousFailed, Path newDb, GenerationCache cache) throws BackupException, InterruptedException {
        int maxChunk = options.chunkSize();
        long heap = Runtime.getRuntime().maxMemory();
        int threads = threadsForHeap(options.threads(), maxChunk, heap, repo.store().draftsInMemory());
        if (threads < options.threads()) {
            LOG.log(System.Logger.Level.DEBUG, "using {0} threads, not {1}: a heap of {2} MiB holds no more",
                    threads, options.threads(), heap >> 20);
        }
        List<Thread> walkerThread = new ArrayList<>();
        PipelineFailure failure = new PipelineFailure(() -> walkerThread.forEach(Thread::interrupt));
        ItemBatches items = new ItemBatches(ITEM_WINDOW, failure::failed);
        int uploaders = uploaders(threads);
        try (ChunkPipeline pipeline = new ChunkPipeline(repo.store(), repo.codec(), failure, threads, uploaders,
                plaintextRing(threads, maxChunk, heap), Math.max(maxChunk, GENERATION_DB_CHUNK));
                Readers readers = new Readers(Math.max(2, threads), 4 * threads + 16, ChunkerParams.forMaxSize(maxChunk),
                        repo.codec(), pipeline, failure);
                GenerationWriter db = GenerationWriter.create(newDb, options.schemaVersion(),
                        previous == null ? null : previous.file())) {
            progress.liveBytes(pipeline.submittedBytes::sum);
            PreviousGeneration before = previous == null ? null : new PreviousGeneration(previous);
            Walker walker = new Walker(options, before, previousFailed, readers, items, warnings);
            Thread t = Thread.ofPlatform().name("obnam-walk").unstarted(() -> {
                try {
                    walker.walk(roots);
                    items.finish();
                } catch (InterruptedException e) {
                    // cancelled: the failure is already recorded
                } catch (Throwable e) {
                    failure.report(e);
                }
            });
            walkerThread.add(t);
            t.start();
            LOG.log(System.Logger.Level.DEBUG, "walking {0} with {1} threads", roots, threads);

            long files = 0;
            long bytes = 0;
            EntryFeed feed = new EntryFeed(db, pipeline, failure);
            while (true) {
                List<Walker.Item> batch = items.poll(100, TimeUnit.MILLISECONDS);
                if (batch == null) {
                    failure.check();
                    feed.settleDone();
                    continue;
                }
                if (batch.isEmpty()) {
                    break;
                }
                for (Walker.Item item : batch) {
                    feed.add(item);
                    files++;
                    bytes += item.entry().contentBytes();
                    progress.update(files, bytes, item.entry().path()::toString);
                }
            }
            feed.finish();
            t.join();
            failure.check();
            LOG.log(System.Logger.Level.DEBUG, "walk done: {0} entries, {1} read, {2} unchanged", files, feed.read,
                    feed.unchanged);
            db.finish();
            List<ChunkRef> dbChunks = storeDatabase(newDb, pipeline, failure);
            LOG.log(System.Logger.Level.DEBUG, "stored generation database: {0} chunks", dbChunks.size());
            repo.store().flush();
            GenerationRecord record = new GenerationRecord(options.schemaVersion(), started, Instant.now(),
                    db.fileCount(), db.fileBytes(), Files.size(newDb), dbChunks);
            GenerationList.Item item = repo.commitGeneration(record);
            LOG.log(System.Logger.Level.DEBUG, "committed generation {0}", item.id());
            cache.keep(newDb, item.id().value());
            BackupOutcome.Stats stats = new BackupOutcome.Stats(pipeline.storedChunks.get(), pipeline.storedBytes.get(),
                    pipeline.dedupedChunks.get(), pipeline.uploadedBytes.get(), feed.read, feed.unchanged);
            return new BackupOutcome(item, incremental, db.fileCount(), db.fileBytes(), warnings.all(),
                    List.copyOf(walker.newCachedirTags()), stats);
        } catch (GenerationException | RepositoryException | IOException e) {
            failure.report(e);
            throw BackupException.from(e);
        } catch (BackupException | InterruptedException | RuntimeException e) {
            failure.report(e);
            throw e;
        } finally {
            walkerThread.forEach(Thread::interrupt);
        }
    }

    /**
     * A file numbered in the generation database before its content was stored, with the stored
     * chunks taken off its content and not yet written.
     */
    private record Unfinished(long fileno, Entry entry, FileContent content, List<ChunkRef> taken) {}

    /** Chunks of a file being stored that are written to the generation database together, ahead of its row. */
    private static final int APPEND_BATCH = 1024;

    /**
     * Adds entries to the generation database in walk order. A file whose content is still being
     * stored gets its row number at once and its row, with its chunk list (or the reason it was
     * skipped), when that is done, so this thread keeps up with the walk instead of waiting for
     * the pack holding one changed file to fill or fall idle. Counts the files read and found
     * unchanged.
     */
    private final class EntryFeed {
        private final GenerationWriter db;
        private final ChunkPipeline pipeline;
        private final PipelineFailure failure;
        private final ArrayDeque<Unfinished> unfinished = new ArrayDeque<>(); // in walk order
        long read;
        long unchanged;

        EntryFeed(GenerationWriter db, ChunkPipeline pipeline, PipelineFailure failure) {
            this.db = db;
            this.pipeline = pipeline;
            this.failure = failure;
        }

        /** Adds an item's entry; its content is null for entries without content to store. */
        void add(Walker.Item item) throws BackupException, InterruptedException, GenerationException {
            Entry entry = item.entry();
            FileContent content = item.content();
            if (item.unchanged() != null) {
                Walker.Unchanged u = item.unchanged();
                if (u.sameRow()) {
                    db.copyUnchanged(entry, u.previousRow());
                } else {
                    db.addUnchanged(entry, u.previousRow());
                }
                unchanged++;
            } else if (content == null) {
                db.add(entry, List.of());
            } else if (content.isDone()) {
                List<ChunkRef> chunks = settle(new Unfinished(0, entry, content, new ArrayList<>()), false);
                db.add(chunks == null ? entry.withReason(Reason.SKIPPED) : entry, chunks == null ? List.of() : chunks);
            } else {
                unfinished.add(new Unfinished(db.reserve(entry), entry, content, new ArrayList<>()));
                if (unfinished.size() > UNFINISHED_WINDOW) {
                    settleFirst(false);
                }
            }
            settleDone();
        }

        /**
         * Completes the entries at the head of the queue whose content is stored, and takes what
         * is stored of the next one, so that its reader never waits long for room.
         */
        void settleDone() throws BackupException, InterruptedException, GenerationException {
            while (!unfinished.isEmpty() && unfinished.peekFirst().content().isDone()) {
                settleFirst(false);
            }
            if (!unfinished.isEmpty()) {
                try {
                    take(unfinished.peekFirst());
                } catch (ExecutionException e) {
                    throw failed(e);
                }
            }
        }

        /**
         * Completes every entry. The walk is over: no file data will come after what is being read
         * now, so waiting for an open pack to fill is pointless; wait only until it stops growing.
         */
        void finish() throws BackupException, InterruptedException, GenerationException {
            while (!unfinished.isEmpty()) {
                settleFirst(true);
            }
        }

        private void settleFirst(boolean walkDone) throws BackupException, InterruptedException, GenerationException {
            Unfinished u = unfinished.peekFirst();
            List<ChunkRef> chunks = settle(u, walkDone);
            unfinished.removeFirst();
            if (chunks == null) {
                db.discardChunks(u.fileno());
                db.addReserved(u.fileno(), u.entry().withReason(Reason.SKIPPED), List.of());
            } else {
                db.addReserved(u.fileno(), u.entry(), chunks);
            }
        }

        /**
         * Waits until a file is read and its chunks stored, and returns the chunks not yet written
         * ahead of its row; null when it could not be read (warned about, to be recorded as
         * skipped). A chunk may sit in a pack that is only sealed when full; if a wait drags on,
         * the pack is sealed so the run cannot stall on it. Once the walk is done no more file
         * data is coming, so the pack is sealed as soon as it stops growing: a small incremental
         * backup spent 0.1 to 0.2 s in the longer waits.
         */
        private List<ChunkRef> settle(Unfinished u, boolean walkDone) throws BackupException, InterruptedException, GenerationException {
            FileContent content = u.content();
            try {
                int waits = 0;
                while (!content.isDone()) {
                    int before = u.taken().size();
                    take(u);
                    if (u.taken().size() != before) {
                        waits = 0;
                    }
                    CompletableFuture<?> next = content.first();
                    try {
                        (next != null ? next : content.read()).get(walkDone ? 5 : waits == 0 ? 20 : 100, TimeUnit.MILLISECONDS);
                    } catch (TimeoutException e) {
                        failure.check();
                        pipeline.sealOpenPackIfIdle(walkDone ? 5 : waits == 0 ? 20 : 50);
                        waits++;
                    } catch (ExecutionException e) {
                        if (next != null) {
                            throw e; // a chunk could not be stored
                        }
                        // the read failed: its chunks still complete, then read().get() says why
                    }
                }
                content.takeStored(u.taken());
                FileContent.Read r = content.read().get();
                read++;
                if (r.changedWhileRead() || u.entry().extents() == null && r.bytesRead() != u.entry().size()) {
                    warnings.add("file " + u.entry().path() + " changed while it was backed up");
                }
                return u.taken();
            } catch (ExecutionException e) {
                Throwable cause = unwrap(e);
                if (cause instanceof FileReadException f) {
                    warnings.add(f.getMessage());
                    return null;
                }
                throw failed(e);
            }
        }

        /** Takes the stored chunks off the front of a file's content; writes them ahead of its row once there are many. */
        private void take(Unfinished u) throws ExecutionException, InterruptedException, GenerationException {
            u.content().takeStored(u.taken());
            if (u.taken().size() >= APPEND_BATCH && u.fileno() > 0) {
                db.appendChunks(u.fileno(), u.taken());
                u.taken().clear();
            }
        }

        private BackupException failed(ExecutionException e) {
            Throwable cause = unwrap(e);
            failure.report(cause);
            return BackupException.from(cause);
        }
    }

    private static Throwable unwrap(ExecutionException e) {
        Throwable cause = e.getCause();
        while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** Splits the finished database into chunks and stores them like file data. */
    private List<ChunkRef> storeDatabase(Path file, ChunkPipeline pipeline, PipelineFailure failure)
            throws IOException, InterruptedException, BackupException {
        RawPath path = RawPath.ofUtf8(file.toAbsolutePath().toString());
        FileReader reader = new FileReader(ChunkerParams.forMaxSize(GENERATION_DB_CHUNK), repo.codec(), pipeline);
        FileReader.Result result;
        try (Dir dir = Dir.open(path.parent()); OpenFile f = dir.openRead(path.fileName())) {
            pipeline.expectPlaintextAtMost(f.stat().size(), GENERATION_DB_CHUNK);
            result = reader.read(f, null, ChunkKind.GENERATION_DB);
        }
        pipeline.finish(); // the database is the last thing stored: drain and seal everything
        failure.check();
        List<ChunkRef> refs = new ArrayList<>();
        for (CompletableFuture<ChunkRef> c : result.chunks()) {
            try {
                refs.add(c.get());
            } catch (ExecutionException e) {
                failure.report(e.getCause());
                throw BackupException.from(e.getCause());
            }
        }
        return refs;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // scratch file: harmless if left
        }
    }
}
