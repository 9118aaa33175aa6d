package org.obnam.restore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.obnam.crypto.ChunkKind;
import org.obnam.fs.Dir;
import org.obnam.fs.FileStat;
import org.obnam.fs.FileType;
import org.obnam.fs.OpenFile;
import org.obnam.fs.RawName;
import org.obnam.fs.RawPath;
import org.obnam.fs.Users;
import org.obnam.fs.Xattr;
import org.obnam.generation.ChunkRef;
import org.obnam.generation.Entry;
import org.obnam.generation.GenerationReader;
import org.obnam.generation.Reason;
import org.obnam.generation.StoredEntry;
import org.obnam.repository.GenerationList;
import org.obnam.repository.GenerationRecord;
import org.obnam.chunking.ChunkerParams;
import org.obnam.crypto.ChunkCipher;
import org.obnam.repository.ChunkCodec;
import org.obnam.repository.Repository;
import org.obnam.util.Heap;
import org.obnam.util.Progress;

/**
 * Restores one generation into a directory. This thread reads the generation in backup order and
 * creates entries; a pool fetches, verifies and writes file chunks ahead of it (positional writes,
 * so chunks of one file land in any order); a file's metadata is set when its last chunk is
 * written, directories' metadata last of all, deepest first, so writing inside them cannot change
 * their times.
 */
public final class RestoreRun {
    private final Repository repo;
    private final Path scratch;
    private final int threads;
    private final Consumer<String> onProblem;
    private final boolean root = Users.effectiveUid() == 0;
    private final List<String> failed = Collections.synchronizedList(new ArrayList<>());
    private final List<RawPath> failedPaths = Collections.synchronizedList(new ArrayList<>());
    /** Hard links made to each first name (restored paths), so a failed file takes its links with it. */
    private final java.util.Map<RawPath, List<Link>> linksTo = new java.util.concurrent.ConcurrentHashMap<>();

    private record Link(RawPath restored, RawPath original) {}
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong bytes = new AtomicLong();
    private final Progress progress;
    private PackCache packs;
    /**
     * Bytes of heap that chunks too big for the reused buffers may hold at once (encrypted,
     * decrypted and decompressed forms). Whatever --threads says, a restore must not run out of
     * memory: running out would lose a chunk, not just slow down.
     */
    private Semaphore decodeMemory;
    private int decodeMemoryPermits;
    private int queuePermits;
    /** Chunks up to this size decode in each thread's reused buffers, which together take half the budget. */
    private int reusedBufferLimit;
    /**
     * What the reused buffers grow to at once when a big chunk comes: the largest chunk this
     * client makes (within the limit). Grown by half at a time instead, each of a thread's three
     * buffers went through five or six ever larger arrays on the way to 4 MiB, all straight into
     * the old generation: a full collection in a bulk restore and 8 to 10 MiB more peak RSS.
     */
    private int reusedBufferTarget;
    private final int largestChunk;

    /**
     * Chunks queued for the restore threads, in bytes: two default-size chunks per thread. Each
     * queued chunk also holds its file open and its entry in memory, so a small chunk counts as
     * {@link #QUEUED_CHUNK_MIN_COST}: with 64 MiB of 4 KiB files, 16,000 files waited, lived long
     * enough to be promoted and grew the heap from 61 to 105 MiB for 200,000 small files.
     */
    static int queueBudget(int threads) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(16L << 20, 2L * threads * (4 << 20)));
    }

    static final int QUEUED_CHUNK_MIN_COST = 16 << 10;

    /** What a queued chunk takes of a budget of {@code permits}: never more than all of it, however big the chunk. */
    static int queueCost(ChunkRef ref, int permits) {
        return (int) Math.min(Math.max(ref.size(), QUEUED_CHUNK_MIN_COST), permits);
    }

    /**
     * How a restore shares the heap: the windows of packs ({@link PackCache#bytesFor}), each
     * thread's three reused decode buffers (which never grow past {@code reusedBufferLimit} for the
     * chunks sent to them) and the permits for chunks above that limit, which get arrays of their own.
     */
    record DecodeMemory(long windowBytes, int reusedBufferLimit, int bigChunkPermits) {
        static DecodeMemory of(long heap, int threads) {
            long windowBytes = PackCache.bytesFor(threads);
            long decodeBudget = Math.max(16L << 20, heap * 3 / 4 - windowBytes);
            // Three quarters for the reused buffers, so that with the launcher's default heap a
            // default-size chunk fits them on any number of CPUs; a quarter for bigger chunks.
            // With half for the reused buffers and room left for growing by half past the limit,
            // the limit on two threads was just under 4 MiB, and every default-size chunk of 4 MiB
            // (all-zero stretches, data that never finds a cut point) got arrays of its own: 27
            // full collections restoring a 1 GiB disk image.
            int reusedBufferLimit = (int) Math.min(Integer.MAX_VALUE - 8, decodeBudget * 3 / 4 / (3L * threads));
            return new DecodeMemory(windowBytes, reusedBufferLimit, (int) Math.min(Integer.MAX_VALUE, decodeBudget / 4));
        }
    }

    private RestoreRun(Repository repo, Path scratch, int threads, int largestChunk, Consumer<String> onProblem,
            Progress progress) {
        this.repo = repo;
        this.scratch = scratch;
        this.threads = threads;
        this.largestChunk = largestChunk;
        this.onProblem = onProblem;
        this.progress = progress;
    }

    public static RestoreOutcome run(Repository repo, GenerationList.Item generation, Path target, Path scratch,
            int threads, Consumer<String> onProblem) throws RestoreException, InterruptedException {
        return run(repo, generation, RawPath.ofUtf8(target.toAbsolutePath().normalize().toString()), scratch, threads,
                onProblem);
    }

    /** Restores into {@code target}, created if missing; a relative one is relative to the working directory. */
    public static RestoreOutcome run(Repository repo, GenerationList.Item generation, RawPath target, Path scratch,
            int threads, Consumer<String> onProblem) throws RestoreException, InterruptedException {
        return run(repo, generation, target, scratch, threads, ChunkerParams.DEFAULT.maxSize(), onProblem, Progress.NONE);
    }

    /**
     * As above, telling {@code progress} how far it has got; {@code largestChunk} is the largest
     * chunk the generation is expected to hold (the client's {@code chunk_size}): bigger ones are
     * restored too, it only sizes buffers.
     */
    public static RestoreOutcome run(Repository repo, GenerationList.Item generation, RawPath target, Path scratch,
            int threads, int largestChunk, Consumer<String> onProblem, Progress progress)
            throws RestoreException, InterruptedException {
        return new RestoreRun(repo, scratch, threads, largestChunk, onProblem, progress).restore(generation, target);
    }

    private RestoreOutcome restore(GenerationList.Item generation, RawPath targetPath) throws RestoreException, InterruptedException {
        Path db = scratch.resolve("restore-" + UUID.randomUUID() + ".db");
        try {
            Files.createDirectories(scratch);
            GenerationRecord record = repo.generation(generation);
            progress.expect(record.fileCount(), record.fileBytes());
            progress.liveBytes(bytes::get);
            repo.fetchDatabase(record, db);
            try (GenerationReader reader = GenerationReader.open(db)) {
                try (Dir top = Dir.openCreating(targetPath, 0777)) {
                    // A restore usually follows a deletion, often of the very tree it restores.
                    // ext4 without a journal skips every recently freed inode of a block group, one
                    // buffer lookup each, whenever it allocates one there, and puts new files and
                    // subdirectories in their parent's group: restoring 50,000 files where 100,000
                    // were just deleted took 12-16 s of kernel time instead of 1.3. Marked as the
                    // top of a hierarchy for the restore, the target's subtrees go to the emptiest
                    // groups instead (DirStack varies which); the mark is taken off at the end.
                    boolean marked = top.setTopDirectoryHint(true);
                    try {
                        return restoreEntries(reader, top, marked || top.hasTopDirectoryHint());
                    } finally {
                        if (marked) {
                            top.setTopDirectoryHint(false);
                        }
                    }
                }
            }
        } catch (InterruptedException | RestoreException e) {
            throw e;
        } catch (Exception e) {
            throw new RestoreException("cannot restore generation " + generation.id() + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(db);
            } catch (IOException e) {
                // scratch file
            }
        }
    }

    private void problem(RawPath path, String message) {
        String m = path + ": " + message;
        failed.add(m);
        onProblem.accept(m);
    }

    private void warn(RawPath path, String message) {
        String m = path + ": " + message;
        warnings.add(m);
        onProblem.accept("warning: " + m);
    }

    private RestoreOutcome restoreEntries(GenerationReader reader, Dir top, boolean spreadTopLevel) throws Exception {
        DecodeMemory memory = DecodeMemory.of(Runtime.getRuntime().maxMemory(), threads);
        packs = new PackCache(repo.store(), threads);
        decodeMemoryPermits = memory.bigChunkPermits();
        decodeMemory = new Semaphore(decodeMemoryPermits);
        reusedBufferLimit = memory.reusedBufferLimit();
        reusedBufferTarget = (int) Math.min(reusedBufferLimit, (long) largestChunk + ChunkCipher.OVERHEAD);
        List<StoredEntry> directories = new ArrayList<>();
        AtomicLong entries = new AtomicLong();
        queuePermits = queueBudget(threads);
        Semaphore budget = new Semaphore(queuePermits);
        ExecutorService pool = Executors.newFixedThreadPool(threads,
                r -> Thread.ofPlatform().name("obnam-restore").daemon().unstarted(r));
        try (DirStack dirs = new DirStack(top, spreadTopLevel)) {
            PlannedVisitor restore = (stored, spans) -> {
                Entry e = stored.entry();
                RawPath rel = relative(e.path());
                progress.update(entries.incrementAndGet(), 0, e.path()::toString);
                if (e.reason() == Reason.SKIPPED) {
                    return; // it could not be read at backup time: there is nothing to restore
                }
                Dir parent;
                try {
                    parent = dirs.parentOf(rel);
                } catch (IOException ex) {
                    problem(e.path(), "cannot create its directory: " + ex.getMessage());
                    return;
                }
                RawName name = rel.fileName();
                try {
                    switch (e.type()) {
                        case DIRECTORY -> {
                            dirs.create(parent, name, 0700).close();
                            directories.add(stored);
                        }
                        case REGULAR -> restoreFile(top, dirs, parent, name, rel, stored, spans, pool, budget);
                        case SYMLINK -> {
                            if (e.hardLinkTo() != null) {
                                linkTo(top, parent, name, rel, e);
                                return;
                            }
                            replace(parent, name);
                            parent.symlink(e.symlinkTarget(), name);
                            if (root) {
                                parent.chown(name, e.uid(), e.gid());
                            }
                            setXattrs(parent, name, e);
                            parent.setTimes(name, null, e.mtime());
                        }
                        case FIFO, SOCKET, CHAR_DEVICE, BLOCK_DEVICE -> {
                            if (e.hardLinkTo() != null) {
                                linkTo(top, parent, name, rel, e);
                                return;
                            }
                            if ((e.type() == FileType.CHAR_DEVICE || e.type() == FileType.BLOCK_DEVICE) && !root) {
                                warn(e.path(), "device files can only be restored by root; skipped");
                                return;
                            }
                            replace(parent, name);
                            if (e.type() == FileType.FIFO) {
                                parent.mkfifo(name, 0600);
                            } else {
                                parent.mknod(name, e.type(), 0600, e.rdevMajor(), e.rdevMinor());
                            }
                            applyByName(parent, name, e);
                        }
                    }
                } catch (IOException ex) {
                    problem(e.path(), ex.getMessage());
                }
            };
            LookAhead ahead = new LookAhead();
            reader.forEach(stored -> {
                ahead.add(stored);
                while (ahead.full()) {
                    ahead.visitNext(restore);
                }
            });
            while (!ahead.isEmpty()) {
                ahead.visitNext(restore);
            }
            pool.shutdown();
            while (!pool.awaitTermination(1, TimeUnit.SECONDS)) {
                // file writes still running
            }
        } finally {
            pool.shutdownNow();
        }
        for (RawPath p : failedPaths) {
            removeQuietly(top, p);
            for (Link link : linksTo.getOrDefault(p, List.of())) {
                removeQuietly(top, link.restored());
                String m = link.original() + ": not restored: it is a hard link to a file that could not be restored";
                failed.add(m);
                onProblem.accept(m);
            }
        }
        // Directories last, deepest first: creating their contents changed their times.
        for (int i = directories.size() - 1; i >= 0; i--) {
            Entry e = directories.get(i).entry();
            RawPath rel = relative(e.path());
            try (Dir parent = openParent(top, rel)) {
                applyByName(parent, rel.fileName(), e);
            } catch (IOException ex) {
                warn(e.path(), "cannot set metadata: " + ex.getMessage());
            }
        }
        return new RestoreOutcome(entries.get(), bytes.get(), List.copyOf(failed), List.copyOf(warnings));
    }

    /**
     * Entries read ahead of the one being restored, their small chunks planned into spans
     * ({@link PackCache.Planner}), so that a span reaches over the small files after its first
     * chunk before a thread reads it. The threads keep up with the thread that creates the files,
     * and without this a span held little more than the chunk handed out last: a restore of
     * 50,000 small files read 31,000 windows where it now reads about 340, and over HTTPS took 16
     * to 35% longer than reading whole packs.
     */
    private final class LookAhead {
        /** Small chunks planned ahead: two windows' worth. */
        private static final long BYTES = 2L * PackCache.WINDOW_BYTES;
        /** Entries ahead at most, however small their chunks. */
        private static final int ENTRIES = 4096;
        private final PackCache.Planner planner = new PackCache.Planner();
        private final ArrayDeque<StoredEntry> entries = new ArrayDeque<>();
        private final ArrayDeque<PackCache.Span[]> spans = new ArrayDeque<>();
        private long bytes;

        void add(StoredEntry stored) {
            List<ChunkRef> chunks = stored.chunks();
            PackCache.Span[] planned = new PackCache.Span[chunks.size()];
            for (int i = 0; i < planned.length; i++) {
                ChunkRef ref = chunks.get(i);
                if (PackCache.isSmall(ref)) {
                    planned[i] = planner.spanFor(ref);
                    bytes += ref.length();
                }
            }
            entries.add(stored);
            spans.add(planned);
        }

        boolean full() {
            return bytes >= BYTES || entries.size() >= ENTRIES;
        }

        boolean isEmpty() {
            return entries.isEmpty();
        }

        /** Takes the oldest entry and gives it to {@code visitor} with the spans of its chunks. */
        void visitNext(PlannedVisitor visitor) throws Exception {
            StoredEntry stored = entries.poll();
            PackCache.Span[] planned = spans.poll();
            for (int i = 0; i < planned.length; i++) {
                if (planned[i] != null) {
                    bytes -= stored.chunks().get(i).length();
                }
            }
            visitor.visit(stored, planned);
        }
    }

    /** An entry to restore, with the span of each of its chunks (null for a chunk read alone). */
    private interface PlannedVisitor {
        void visit(StoredEntry stored, PackCache.Span[] spans) throws Exception;
    }

    private void restoreFile(Dir top, DirStack dirs, Dir parent, RawName name, RawPath rel, StoredEntry stored,
            PackCache.Span[] spans, ExecutorService pool, Semaphore budget) throws IOException, InterruptedException {
        Entry e = stored.entry();
        if (e.hardLinkTo() != null) {
            linkTo(top, parent, name, rel, e);
            return;
        }
        long started = System.nanoTime();
        OpenFile file = createReplacing(parent, name);
        dirs.fileCreated(parent, System.nanoTime() - started);
        List<ChunkRef> chunks = stored.chunks();
        if (e.extents() != null) {
            try {
                file.truncate(e.size()); // holes stay holes: only the data extents are written
            } catch (IOException ex) {
                closeQuietly(file);
                throw ex;
            }
        }
        if (chunks.isEmpty()) {
            finishFile(file, e, false);
            return;
        }
        AtomicInteger remaining = new AtomicInteger(chunks.size());
        AtomicInteger errors = new AtomicInteger();
        long offset = 0;
        for (int i = 0; i < chunks.size(); i++) {
            ChunkRef ref = chunks.get(i);
            PackCache.Span span = spans[i];
            long at = offset;
            offset += ref.size();
            int cost = queueCost(ref, queuePermits);
            budget.acquire(cost);
            pool.execute(() -> {
                try {
                    if (errors.get() == 0) {
                        restoreChunk(file, e, ref, span, at);
                    }
                } catch (Throwable ex) {
                    // Every failure, errors included, must fail the file: a chunk silently not
                    // written would leave a hole of zeros in a file reported as restored.
                    if (errors.getAndIncrement() == 0) {
                        problem(e.path(), "not restored: " + describe(ex));
                        failedPaths.add(rel);
                    }
                } finally {
                    budget.release(cost);
                    if (remaining.decrementAndGet() == 0) {
                        finishFile(file, e, errors.get() > 0);
                    }
                }
            });
        }
    }

    /**
     * Reads, verifies and writes one chunk. A small chunk is decoded out of a window of its pack
     * (see {@link PackCache}); a big one is read alone. Both decode into this thread's reused buffers
     * when the chunk fits {@link #reusedBufferLimit}; a bigger one gets buffers of its own,
     * allocated only once {@link #decodeMemory} has room for them.
     */
    private void restoreChunk(OpenFile file, Entry e, ChunkRef ref, PackCache.Span span, long at) throws Exception {
        if (span != null) {
            ChunkCodec.Plain plain;
            try (PackCache.Lease window = packs.windowFor(span, ref)) { // the array may hold another window once it is closed
                plain = repo.decodeInto(ChunkKind.DATA, ref, window.body(), window.offsetOf(ref), reusedBufferTarget);
            }
            write(file, e, plain.buffer(), plain.length(), at);
            return;
        }
        if (ref.length() <= reusedBufferLimit && ref.size() <= reusedBufferLimit) {
            ChunkCodec.Plain plain = repo.readChunkInto(ChunkKind.DATA, ref, reusedBufferTarget);
            write(file, e, plain.buffer(), plain.length(), at);
            return;
        }
        int need = (int) Math.min(decodeMemoryPermits, (long) ref.length() + 2L * ref.size());
        decodeMemory.acquire(need);
        try {
            byte[] plain = repo.readChunk(ChunkKind.DATA, ref);
            write(file, e, plain, plain.length, at);
        } finally {
            decodeMemory.release(need);
        }
    }

    private void write(OpenFile file, Entry e, byte[] data, int length, long at) throws IOException {
        // One writer per file at a time: the kernel serialises writes to a file anyway, and threads
        // contending for its inode lock spun on it (6% of a bulk restore's CPU, in the kernel).
        synchronized (file) {
            for (Segments.Segment s : Segments.place(e.extents(), at, length)) {
                file.writeAt(data, s.dataOffset(), s.length(), s.fileOffset());
            }
        }
        bytes.addAndGet(length);
    }

    private static String describe(Throwable t) {
        if (t instanceof OutOfMemoryError) {
            return Heap.outOfMemory();
        }
        if (t instanceof Exception && t.getMessage() != null) {
            return t.getMessage();
        }
        return "internal error: " + t;
    }

    private void finishFile(OpenFile file, Entry e, boolean broken) {
        try {
            if (!broken) {
                if (e.extents() != null) {
                    file.truncate(e.size());
                }
                if (root) {
                    file.chown(e.uid(), e.gid());
                }
                file.chmod(e.permissions());
                for (Xattr x : e.xattrs()) {
                    try {
                        file.setXattr(x.name(), x.value());
                    } catch (IOException ex) {
                        warn(e.path(), "cannot set extended attribute: " + ex.getMessage());
                    }
                }
                file.setTimes(null, e.mtime());
            }
        } catch (IOException ex) {
            warn(e.path(), "cannot set metadata: " + ex.getMessage());
        } finally {
            try {
                file.close();
            } catch (IOException ex) {
                problem(e.path(), "writing failed: " + ex.getMessage());
            }
        }
    }

    /**
     * Makes {@code name} a hard link to the already restored first name of the same inode. A hard
     * link entry has no content of its own, so when the link cannot be made the entry fails.
     */
    private void linkTo(Dir top, Dir parent, RawName name, RawPath rel, Entry e) {
        RawPath first = relative(e.hardLinkTo());
        try (Dir firstParent = openParent(top, first)) {
            replace(parent, name);
            parent.link(firstParent, first.fileName(), name);
            linksTo.computeIfAbsent(first, k -> Collections.synchronizedList(new ArrayList<>())).add(new Link(rel, e.path()));
        } catch (IOException ex) {
            problem(e.path(), "not restored: cannot link it to " + e.hardLinkTo() + ": " + ex.getMessage());
        }
    }

    private void applyByName(Dir parent, RawName name, Entry e) throws IOException {
        if (root) {
            parent.chown(name, e.uid(), e.gid());
        }
        parent.chmod(name, e.permissions());
        setXattrs(parent, name, e);
        parent.setTimes(name, null, e.mtime());
    }

    /** Sets an entry's extended attributes by name, never following a symlink; a refusal is a warning. */
    private void setXattrs(Dir parent, RawName name, Entry e) {
        for (Xattr x : e.xattrs()) {
            try {
                parent.setXattr(name, x.name(), x.value());
            } catch (IOException ex) {
                warn(e.path(), "cannot set extended attribute: " + ex.getMessage());
            }
        }
    }

    /** A new file named {@code name}, in place of any non-directory there (an earlier restore's). */
    private static OpenFile createReplacing(Dir parent, RawName name) throws IOException {
        OpenFile file = parent.createNewFile(name, 0600);
        if (file != null) {
            return file;
        }
        replace(parent, name);
        return parent.createFile(name, 0600);
    }

    /**
     * Removes whatever non-directory is in the way, so restoring over an earlier restore works. A
     * directory in the way is left alone: removing a tree the generation does not have is not a
     * restore's business.
     */
    private static void replace(Dir parent, RawName name) throws IOException {
        FileStat existing;
        try {
            existing = parent.lstat(name);
        } catch (IOException e) {
            return; // nothing there
        }
        if (existing.type() == FileType.DIRECTORY) {
            throw new IOException("a directory is in the way (" + parent.path().resolve(name)
                    + "): remove it, or restore into an empty directory");
        }
        parent.unlink(name);
    }

    private static void removeQuietly(Dir top, RawPath rel) {
        try (Dir parent = openParent(top, rel)) {
            parent.unlink(rel.fileName());
        } catch (IOException e) {
            // already gone
        }
    }

    /** The stored path re-rooted under the target: "/home/u/x" → "home/u/x", "live/x" stays. */
    static RawPath relative(RawPath stored) {
        return stored.isAbsolute() ? stored.relativeTo(RawPath.root()) : stored;
    }

    /** Opens the directory holding {@code rel} afresh; the caller closes it. */
    static Dir openParent(Dir top, RawPath rel) throws IOException {
        Dir d = Dir.open(top.path());
        List<RawName> names = rel.names();
        for (int i = 0; i < names.size() - 1; i++) {
            Dir next = d.openDir(names.get(i));
            d.close();
            d = next;
        }
        return d;
    }

    private static void closeQuietly(OpenFile f) {
        try {
            f.close();
        } catch (IOException e) {
            // already failing
        }
    }
}
