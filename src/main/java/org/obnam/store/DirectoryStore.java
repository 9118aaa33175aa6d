package org.obnam.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A store in a local directory: the embedded default repository, and the server's storage for each
 * client namespace.
 *
 * <pre>
 * DIR/obnam-store.json        format marker: {"format":"obnam-store","version":1}
 * DIR/objects/ab/abcdef...    one file per object (see ObjectFile)
 * DIR/records/NAME            mutable records, replaced atomically under DIR/records/.lock
 * DIR/record-history/NAME.N  earlier versions of records, when the store keeps them (the server's do)
 * DIR/index.sqlite            label index, rebuilt from the objects when missing
 * DIR/tmp/                    files being written
 * </pre>
 *
 * An object's file is written to tmp/, fsynced and renamed into place by {@link #put}; the
 * directory entries are fsynced by {@link #flush}, which many concurrent writers share. Objects
 * put but not flushed are listed as pending in the index; when the index is first needed, pending
 * objects left by an earlier boot (a machine crash) are checked and dropped if damaged. Files left in tmp/ by a
 * process that was killed are removed on open once they are an hour old. Anything else under
 * objects/ (a file whose name is not an object id, or that is not in its object's fan-out
 * directory) is stray: {@link #list} reports it as such, and nothing reads it as an object.
 *
 * <p>A store that keeps record history never loses a record version: replacing version N first
 * links the old file to {@code record-history/NAME.N}, so a client (or a stolen token) that
 * overwrites a record cannot destroy what it held; {@link #getRecordVersion} reads it back and
 * {@link #restoreRecordVersion} makes it current again.
 *
 * <p>When the disk is full, operations fail with {@link StoreException.NoSpace} and leave nothing
 * half-written behind: no temp files, and no object that was not acknowledged.
 */
public final class DirectoryStore implements Store {
    public static final int FORMAT_VERSION = 1;
    private static final String MARKER = "obnam-store.json";
    private static final java.util.regex.Pattern MARKER_TEXT =
            java.util.regex.Pattern.compile("\\{\"format\":\"obnam-store\",\"version\":([1-9][0-9]{0,8})\\}\n?");

    private final Path root;
    private final Path objects;
    private final Path records;
    private final Path tmp;
    private final Path history;
    private final boolean keepRecordHistory;
    /**
     * The label index, opened (and recovered or rebuilt) when first needed: commands that only
     * read, such as a restore or a listing, never need it, and opening SQLite took 25 ms of their
     * start.
     */
    private final Object indexLock = new Object();
    private static final int SQLITE_CORRUPT = 11;
    private static final int SQLITE_NOTADB = 26;
    private volatile LabelIndex index; // set once, under indexLock
    private final String bootId;
    private final Set<Path> knownDirs = ConcurrentHashMap.newKeySet();

    private final Object state = new Object();
    private final Object flushLock = new Object();
    private long putSequence; // guarded by state
    private long durableSequence; // guarded by flushLock
    private Set<Path> dirtyDirs = new HashSet<>(); // guarded by state
    private List<ObjectId> pendingIds = new ArrayList<>(); // guarded by state
    private final ReentrantLock recordLock = new ReentrantLock();

    private DirectoryStore(Path root, boolean keepRecordHistory) throws StoreException {
        this.root = root;
        this.objects = root.resolve("objects");
        this.records = root.resolve("records");
        this.tmp = root.resolve("tmp");
        this.history = root.resolve("record-history");
        this.keepRecordHistory = keepRecordHistory;
        this.bootId = readBootId();
        FileDraft.removeStale(tmp, "*"); // left by a process that was killed
    }

    /** The label index, opened by the first caller; a failure to open it is that caller's, and the next one tries again. */
    private LabelIndex index() throws StoreException {
        LabelIndex open = index;
        if (open != null) {
            return open;
        }
        synchronized (indexLock) {
            if (index == null) {
                boolean rebuild = !Files.exists(root.resolve("index.sqlite"));
                LabelIndex opened;
                try {
                    opened = new LabelIndex(root.resolve("index.sqlite"));
                } catch (SQLException e) {
                    if (e.getErrorCode() == SQLITE_CORRUPT || e.getErrorCode() == SQLITE_NOTADB) {
                        throw new StoreException.Corrupt("the label index " + root.resolve("index.sqlite")
                                + " is damaged (" + e.getMessage() + "): delete it, and it is rebuilt from the objects", e);
                    }
                    throw failure("cannot open the label index in " + root, e);
                }
                try {
                    if (rebuild) {
                        rebuildIndex(opened);
                    } else {
                        recoverPending(opened);
                    }
                } catch (StoreException | RuntimeException e) {
                    closeQuietly(opened);
                    throw e;
                }
                index = opened;
            }
            return index;
        }
    }

    /** Opens an existing store; NotFound when there is none at {@code root}. */
    public static DirectoryStore open(Path root) throws StoreException {
        return open(root, false);
    }

    /**
     * Opens an existing store; with {@code keepRecordHistory}, every version of a record that is
     * replaced is kept (see the class comment).
     */
    public static DirectoryStore open(Path root, boolean keepRecordHistory) throws StoreException {
        Path marker = root.resolve(MARKER);
        if (!Files.isDirectory(root)) {
            throw new StoreException.NotFound("no repository at " + root);
        }
        if (!Files.exists(marker)) {
            throw new StoreException.NotFound("no repository at " + root + " (" + MARKER + " is missing)");
        }
        checkMarker(marker);
        return new DirectoryStore(root, keepRecordHistory);
    }

    /** Opens the store at {@code root}, creating it (and its directory) if it does not exist. */
    public static DirectoryStore create(Path root) throws StoreException {
        Path marker = root.resolve(MARKER);
        try {
            Files.createDirectories(root);
            if (!Files.exists(marker)) {
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
                    if (entries.iterator().hasNext()) {
                        throw new StoreException("cannot create a repository in " + root
                                + ": the directory is not empty and is not an Obnam repository");
                    }
                }
                for (String d : List.of("objects", "records", "tmp")) {
                    Files.createDirectories(root.resolve(d));
                }
                byte[] text = ("{\"format\":\"obnam-store\",\"version\":" + FORMAT_VERSION + "}\n")
                        .getBytes(StandardCharsets.UTF_8);
                writeDurably(root.resolve("tmp").resolve(MARKER + ".tmp"), marker, text);
                fsyncDir(root.getParent() == null ? root : root.getParent());
            }
        } catch (IOException e) {
            if (e instanceof StoreException se) {
                throw se;
            }
            throw failure("cannot create a repository in " + root, e);
        }
        checkMarker(marker);
        return new DirectoryStore(root, false);
    }

    private static void checkMarker(Path marker) throws StoreException {
        String text;
        try {
            text = Files.readString(marker, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StoreException("cannot read " + marker + ": " + describe(e), e);
        }
        // Only Obnam writes the marker, always in exactly this form: anything else is damage.
        var m = MARKER_TEXT.matcher(text);
        if (!m.matches()) {
            throw new StoreException.Corrupt(marker + " is damaged: not an Obnam store marker");
        }
        int version = Integer.parseInt(m.group(1));
        if (version > FORMAT_VERSION) {
            throw new StoreException("the repository at " + marker.getParent() + " has store format " + version
                    + ", newer than this Obnam understands (" + FORMAT_VERSION + "): upgrade Obnam");
        }
    }

    public Path root() {
        return root;
    }

    @Override
    public String describe() {
        return root.toString();
    }

    private Path objectPath(ObjectId id) {
        String v = id.value();
        String fan = v.length() >= 2 ? v.substring(0, 2) : "_" + v;
        return objects.resolve(fan).resolve(v);
    }

    @Override
    public ObjectId put(ObjectMeta meta, byte[] body) throws StoreException {
        return put(meta, List.of(body));
    }

    @Override
    public ObjectId put(ObjectMeta meta, byte[] buffer, int length) throws StoreException {
        return putSlices(meta, List.of(ByteBuffer.wrap(buffer, 0, length)));
    }

    @Override
    public ObjectId put(ObjectMeta meta, List<byte[]> parts) throws StoreException {
        return putSlices(meta, parts.stream().map(ByteBuffer::wrap).toList());
    }

    private ObjectId putSlices(ObjectMeta meta, List<ByteBuffer> parts) throws StoreException {
        long bodyLength = 0;
        for (ByteBuffer p : parts) {
            bodyLength += p.remaining();
        }
        List<LabelRange> ranges = ranges(meta, bodyLength);
        ObjectId id = ObjectId.random();
        byte[] metaBytes = meta.json().getBytes(StandardCharsets.UTF_8);
        Path temp = tmp.resolve(id.value() + ".tmp");
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeFully(ch, ObjectFile.header(metaBytes, parts, bodyLength));
            for (ByteBuffer part : parts) {
                writeFully(ch, part.duplicate());
            }
            writeFully(ch, ByteBuffer.wrap(metaBytes));
            ch.force(true);
        } catch (IOException e) {
            FileDraft.deleteQuietly(temp);
            throw failure("cannot write object to " + root, e);
        }
        return publish(id, temp, ranges);
    }

    private static List<LabelRange> ranges(ObjectMeta meta, long bodyLength) throws StoreException.BadRequest {
        try {
            return meta.ranges(bodyLength);
        } catch (IllegalArgumentException e) {
            throw new StoreException.BadRequest(e.getMessage());
        }
    }

    /** Moves a complete, synced object file from tmp/ into place and adds it to the index. */
    private ObjectId publish(ObjectId id, Path temp, List<LabelRange> ranges) throws StoreException {
        Path target = objectPath(id);
        Path dir = target.getParent();
        LabelIndex labels;
        try {
            labels = index(); // before the object is in place: if the index cannot open, there is no object to drop
        } catch (StoreException e) {
            FileDraft.deleteQuietly(temp);
            throw e;
        }
        boolean newDir;
        try {
            newDir = ensureDir(dir);
            move(temp, target);
        } catch (IOException e) {
            FileDraft.deleteQuietly(temp);
            throw failure("cannot write object to " + root, e);
        }
        // The index learns of the object before the object counts for a flush: a flush that
        // covers it (this caller's or a concurrent one's) then writes its index rows too, so an
        // object whose put and flush returned is always found by its labels, even after a crash.
        labels.add(id, ranges, bootId); // in memory: written in the background, and at the latest by a flush
        synchronized (state) {
            dirtyDirs.add(dir);
            if (newDir) {
                dirtyDirs.add(objects);
            }
            pendingIds.add(id);
            putSequence++;
        }
        return id;
    }

    /** Pieces go straight into the object's file in tmp/, at their place after the header. */
    @Override
    public ObjectDraft draft() throws StoreException {
        ObjectId id = ObjectId.random();
        Path temp = tmp.resolve(id.value() + ".tmp");
        try {
            return new PackDraft(id, temp, FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw failure("cannot start an object in " + root, e);
        }
    }

    @Override
    public boolean draftsInMemory() {
        return false;
    }

    /** A pack written in place under tmp/ as object format 2: the body after the header, then the metadata. */
    private final class PackDraft extends FileDraft {
        private final ObjectId id;

        PackDraft(ObjectId id, Path temp, FileChannel channel) {
            super(temp, channel, ObjectFile.HEADER_SIZE, true);
            this.id = id;
        }

        @Override
        StoreException writeFailure(IOException e) {
            return failure("cannot write object to " + root, e);
        }

        @Override
        public ObjectId commit(ObjectMeta meta, long bodyLength) throws StoreException {
            checkOpen();
            List<LabelRange> ranges = ranges(meta, bodyLength);
            int bodyCrc = pieces.combinedCrc(bodyLength);
            byte[] metaBytes = meta.json().getBytes(StandardCharsets.UTF_8);
            int crc = Crc32c.combine(bodyCrc, Crc32c.of(metaBytes, 0, metaBytes.length), metaBytes.length);
            finish();
            try (channel) {
                FileDraft.writeAt(channel, ByteBuffer.wrap(metaBytes), ObjectFile.HEADER_SIZE + bodyLength);
                FileDraft.writeAt(channel, ObjectFile.header(metaBytes.length, bodyLength, crc), 0);
                channel.force(true);
            } catch (IOException e) {
                FileDraft.deleteQuietly(file);
                throw failure("cannot write object to " + root, e);
            }
            return publish(id, file, ranges);
        }
    }

    private boolean ensureDir(Path dir) throws IOException {
        if (knownDirs.contains(dir)) {
            return false;
        }
        boolean created = false;
        try {
            Files.createDirectory(dir);
            created = true;
        } catch (FileAlreadyExistsException e) {
            // another writer made it
        }
        knownDirs.add(dir);
        return created;
    }

    @Override
    public void flush() throws StoreException {
        long target;
        synchronized (state) {
            target = putSequence;
        }
        synchronized (flushLock) {
            if (durableSequence >= target) {
                return;
            }
            LabelIndex labels = index(); // open already: the puts to flush added their rows
            Set<Path> dirs;
            List<ObjectId> ids;
            long upTo;
            synchronized (state) {
                dirs = dirtyDirs;
                ids = pendingIds;
                upTo = putSequence;
                dirtyDirs = new HashSet<>();
                pendingIds = new ArrayList<>();
            }
            try {
                // Children before parents, so a new fan-out directory is durable with its entries.
                List<Path> ordered = new ArrayList<>(dirs);
                ordered.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
                for (Path d : ordered) {
                    fsyncDir(d);
                }
                labels.markDurable(ids);
            } catch (IOException | SQLException e) {
                synchronized (state) {
                    dirtyDirs.addAll(dirs);
                    pendingIds.addAll(ids);
                }
                throw failure("cannot make objects durable in " + root, e);
            }
            durableSequence = upTo;
        }
    }

    @Override
    public StoredObject get(ObjectId id) throws StoreException {
        Read r = read(id, byte[]::new, true);
        return new StoredObject(r.meta(), r.body());
    }

    /** As {@link #get} checks it, against the checksum, without parsing the metadata it does not return. */
    @Override
    public ObjectBody getBody(ObjectId id, java.util.function.IntFunction<byte[]> arrays) throws StoreException {
        Read r = read(id, arrays, false);
        return new ObjectBody(r.body(), r.length());
    }

    /** An object as read; {@code meta} is null where it was not asked for. */
    private record Read(ObjectMeta meta, byte[] body, int length) {}

    private Read read(ObjectId id, java.util.function.IntFunction<byte[]> arrays, boolean withMeta)
            throws StoreException {
        Path path = objectPath(id);
        String what = "object " + id + " in " + root;
        // Header and metadata first, then the body straight into its array: no second copy of a
        // pack, and the array is only asked for once the header has shown how long the body is.
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ObjectFile.Header h = readHeader(ch, what);
            ObjectFile.checkLength(h, ch.size(), what);
            if (h.metaLength() > 16 << 20 || h.bodyLength() > Integer.MAX_VALUE - 16) {
                throw new StoreException.Corrupt(what + " has a damaged header");
            }
            byte[] meta = new byte[h.metaLength()];
            readFully(ch, ByteBuffer.wrap(meta), h.metaOffset());
            int length = (int) h.bodyLength();
            byte[] body = arrays.apply(length);
            if (body.length < length) {
                throw new IllegalArgumentException("an array of " + body.length + " bytes for a body of " + length);
            }
            readFully(ch, ByteBuffer.wrap(body, 0, length), h.bodyOffset());
            if (!withMeta) {
                ObjectFile.verifyChecksum(h, meta, body, length, what);
                return new Read(null, body, length);
            }
            return new Read(ObjectFile.verify(h, meta, body, length, what), body, length);
        } catch (IOException e) {
            throw readFailure(e, id, what);
        }
    }

    @Override
    public byte[] getRange(ObjectId id, long offset, int length) throws StoreException {
        // Allocated only once the header has shown the range is there: a damaged header or
        // metadata must give an error, not a request for gigabytes of heap.
        return readRange(id, offset, length, byte[]::new);
    }

    @Override
    public void readRange(ObjectId id, long offset, int length, byte[] dest) throws StoreException {
        readRange(id, offset, length, n -> dest);
    }

    private byte[] readRange(ObjectId id, long offset, int length, java.util.function.IntFunction<byte[]> destination)
            throws StoreException {
        Path path = objectPath(id);
        String what = "object " + id + " in " + root;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ObjectFile.Header h = readHeader(ch, what);
            if (offset < 0 || length < 0 || offset + length > h.bodyLength()) {
                throw new StoreException.BadRequest("range " + offset + "+" + length + " is outside " + what
                        + " (" + h.bodyLength() + " bytes)");
            }
            ObjectFile.checkLength(h, ch.size(), what);
            byte[] dest = destination.apply(length);
            readFully(ch, ByteBuffer.wrap(dest, 0, length), h.bodyOffset() + offset);
            return dest;
        } catch (IOException e) {
            throw readFailure(e, id, what);
        }
    }

    /**
     * An object opened to read its body piece by piece: the server sends an object of any size
     * holding one piece of it in memory. The file stays open (and readable, even if the object is
     * deleted meanwhile) until this is closed.
     */
    public static final class OpenObject implements AutoCloseable {
        private final FileChannel channel;
        private final ObjectInfo info;
        private final long bodyOffset;
        private final String what;

        private OpenObject(FileChannel channel, ObjectInfo info, long bodyOffset, String what) {
            this.channel = channel;
            this.info = info;
            this.bodyOffset = bodyOffset;
            this.what = what;
        }

        public ObjectInfo info() {
            return info;
        }

        /** Fills {@code into} (all its remaining bytes) with the body's bytes from {@code offset} on. */
        public void read(long offset, ByteBuffer into) throws StoreException {
            if (offset < 0 || offset > info.size() - into.remaining()) {
                throw new StoreException.BadRequest("range " + offset + "+" + into.remaining() + " is outside " + what
                        + " (" + info.size() + " bytes)");
            }
            try {
                readFully(channel, into, bodyOffset + offset);
            } catch (StoreException e) {
                throw e;
            } catch (IOException e) {
                throw new StoreException("cannot read " + what + ": " + describe(e), e);
            }
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // read-only: nothing is lost
            }
        }
    }

    /**
     * Opens an object to read its body in pieces ({@link OpenObject#read}). With {@code verify}, the
     * file's checksum is checked first, in one pass through a small buffer, so that damage is
     * reported before any of it is sent; without, only the header and metadata are read (a
     * range's bytes are checked by the client, which authenticates every chunk).
     */
    public OpenObject open(ObjectId id, boolean verify) throws StoreException {
        Path path = objectPath(id);
        String what = "object " + id + " in " + root;
        FileChannel ch = null;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
            Described d = headerAndInfo(ch, id, what);
            if (verify) {
                checkSum(ch, d.header(), what);
            }
            OpenObject open = new OpenObject(ch, d.info(), d.header().bodyOffset(), what);
            ch = null;
            return open;
        } catch (IOException e) {
            throw readFailure(e, id, what);
        } finally {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException e) {
                    // read-only
                }
            }
        }
    }

    /** The CRC-32C of everything after the header, in file order, against the header's. */
    private static void checkSum(FileChannel ch, ObjectFile.Header h, String what) throws IOException {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(IO_SLICE, Math.max(1, h.fileLength() - ObjectFile.HEADER_SIZE)));
        for (long pos = ObjectFile.HEADER_SIZE; pos < h.fileLength(); ) {
            buf.clear().limit((int) Math.min(buf.capacity(), h.fileLength() - pos));
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new StoreException.Corrupt(what + " is truncated");
            }
            crc.update(buf.flip());
            pos += n;
        }
        if ((int) crc.getValue() != h.crc()) {
            throw new StoreException.Corrupt(what + " fails its checksum: the file is damaged");
        }
    }

    /** The store's word for a failed read of an object: not there, damaged as it says, or why it could not be read. */
    private StoreException readFailure(IOException e, ObjectId id, String what) {
        if (e instanceof NoSuchFileException) {
            return new StoreException.NotFound("no object " + id + " in " + root);
        }
        if (e instanceof StoreException s) {
            return s;
        }
        return new StoreException("cannot read " + what + ": " + describe(e), e);
    }

    /** The header; a file too short to hold one is named as empty or truncated. */
    private static ObjectFile.Header readHeader(FileChannel ch, String what) throws IOException {
        ByteBuffer hb = ByteBuffer.allocate(ObjectFile.HEADER_SIZE);
        long pos = 0;
        while (hb.hasRemaining()) {
            int n = ch.read(hb, pos);
            if (n < 0) {
                break;
            }
            pos += n;
        }
        return ObjectFile.parseHeader(hb.flip(), what);
    }

    /** Reads and writes go in slices, as {@link FileDraft#IO_SLICE} explains. */
    static final int IO_SLICE = FileDraft.IO_SLICE;

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        int end = buf.limit();
        while (buf.position() < end) {
            buf.limit(Math.min(end, buf.position() + IO_SLICE));
            int n = ch.read(buf, pos);
            buf.limit(end);
            if (n < 0) {
                throw new StoreException.Corrupt("object file is truncated");
            }
            pos += n;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        int end = buf.limit();
        while (buf.position() < end) {
            buf.limit(Math.min(end, buf.position() + IO_SLICE));
            ch.write(buf);
            buf.limit(end);
        }
    }

    @Override
    public Map<String, ObjectLocation> findLabels(Collection<String> labels) throws StoreException {
        if (labels.isEmpty()) {
            return Map.of();
        }
        try {
            return index().find(labels);
        } catch (SQLException e) {
            throw failure("cannot search the label index in " + root, e);
        }
    }

    @Override
    public Map<ObjectId, ObjectMeta> findLabel(String label) throws StoreException {
        Map<ObjectId, ObjectMeta> result = new LinkedHashMap<>();
        List<ObjectId> ids;
        try {
            ids = index().objectsWith(label);
        } catch (SQLException e) {
            throw failure("cannot search the label index in " + root, e);
        }
        for (ObjectId id : ids) {
            try {
                result.put(id, readMeta(objectPath(id), id));
            } catch (StoreException.NotFound e) {
                // deleted concurrently
            } catch (StoreException.Corrupt e) {
                // damaged since it was indexed: it cannot give the chunk back, so it does not hold it
            }
        }
        return result;
    }

    /** An object's metadata and body size, read from its header without reading the body. */
    public ObjectInfo info(ObjectId id) throws StoreException {
        return readInfo(objectPath(id), id);
    }

    /**
     * Visits up to {@code limit} objects in id order, starting after {@code after} (null: from the
     * first), and returns the id to continue after, or null when the listing is complete. As in
     * {@link #list}, a damaged object goes to {@link ObjectVisitor#damaged} and does not end the
     * listing; stray files are skipped (not reported: each page would report them again). Each page
     * reads the fan-out directories' names and only the headers of the objects it returns, so
     * paging through a big store costs about as much as one full listing.
     */
    public ObjectId listPage(ObjectId after, int limit, ObjectVisitor visitor) throws StoreException {
        if (limit < 1) {
            throw new IllegalArgumentException("page limit must be positive");
        }
        String from = after == null ? "" : after.value();
        List<String> ids = new ArrayList<>();
        try {
            List<String> fans = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(objects)) {
                for (Path fan : entries) {
                    fans.add(fan.getFileName().toString());
                }
            }
            fans.sort(null);
            // One-character ids live in "_x" fans (see objectPath); there are at most 62 of them.
            List<String> regular = new ArrayList<>();
            for (String fan : fans) {
                if (fan.startsWith("_")) {
                    addIdsAfter(objects.resolve(fan), from, ids);
                } else {
                    regular.add(fan);
                }
            }
            // Two-character fans hold ids in order: every id in a later fan is greater than every id
            // in an earlier one, so the walk can stop once it has enough.
            String fromFan = from.length() >= 2 ? from.substring(0, 2) : from;
            int found = 0;
            for (String fan : regular) {
                if (found >= limit) {
                    break;
                }
                if (fan.compareTo(fromFan) < 0) {
                    continue;
                }
                List<String> inFan = new ArrayList<>();
                addIdsAfter(objects.resolve(fan), from, inFan);
                ids.addAll(inFan);
                found += inFan.size();
            }
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new StoreException("cannot list objects in " + root + ": " + describe(e), e);
        }
        ids.sort(null);
        List<String> page = ids.subList(0, Math.min(limit, ids.size()));
        for (String v : page) {
            ObjectId id = new ObjectId(v);
            visit(id, objectPath(id), visitor);
        }
        return page.size() == limit ? new ObjectId(page.getLast()) : null;
    }

    /**
     * The object files of one fan-out directory whose ids come after {@code after}. Only files in
     * their own fan-out directory count: a stray file elsewhere (say {@code objects/52/junk}) would
     * break the order the paging relies on, and a page ending with it would skip every fan-out
     * directory between 52 and ju.
     */
    private void addIdsAfter(Path fan, String after, List<String> out) throws IOException {
        if (!Files.isDirectory(fan)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(fan)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.compareTo(after) > 0 && notAnObjectFile(f) == null) {
                    out.add(name);
                }
            }
        }
    }

    /** Reads one object's header and metadata for a listing; a failure is that object's alone. */
    private void visit(ObjectId id, Path path, ObjectVisitor visitor) {
        ObjectInfo info;
        try {
            info = readInfo(path, id);
        } catch (StoreException.NotFound e) {
            return; // deleted while listing
        } catch (StoreException e) {
            // Damaged, or an I/O error on this one file (a bad sector, a file made unreadable): the
            // listing goes on, and check names the object.
            visitor.damaged(id, e);
            return;
        }
        visitor.object(info);
    }

    private ObjectMeta readMeta(Path path, ObjectId id) throws StoreException {
        return readInfo(path, id).meta();
    }

    private record Described(ObjectFile.Header header, ObjectInfo info) {}

    /** An open object file's header, metadata and body size, without reading the body. */
    private static Described headerAndInfo(FileChannel ch, ObjectId id, String what) throws IOException {
        ObjectFile.Header h = readHeader(ch, what);
        // The length first: a format-2 file cut short has lost its metadata, and the message
        // should say that it was cut short rather than that some read came up short.
        ObjectFile.checkLength(h, ch.size(), what);
        if (h.metaLength() > 16 << 20) {
            throw new StoreException.Corrupt(what + " has a damaged header");
        }
        ByteBuffer mb = ByteBuffer.allocate(h.metaLength());
        readFully(ch, mb, h.metaOffset());
        return new Described(h, new ObjectInfo(id, ObjectFile.parseMeta(mb.array(), 0, h.metaLength(), what), h.bodyLength()));
    }

    private ObjectInfo readInfo(Path path, ObjectId id) throws StoreException {
        String what = "object " + id + " in " + root;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return headerAndInfo(ch, id, what).info();
        } catch (IOException e) {
            throw readFailure(e, id, what);
        }
    }

    @Override
    public void delete(ObjectId id) throws StoreException {
        Path path = objectPath(id);
        LabelIndex labels = index(); // first: an object deleted must never stay in the index
        try {
            Files.delete(path);
            labels.remove(id);
            fsyncDir(path.getParent());
        } catch (NoSuchFileException e) {
            throw new StoreException.NotFound("no object " + id + " in " + root);
        } catch (IOException | SQLException e) {
            throw failure("cannot delete object " + id + " in " + root, e);
        }
    }

    @Override
    public void list(ObjectVisitor visitor) throws StoreException {
        forEachObjectFile(new ObjectFileVisitor() {
            @Override
            public void visit(ObjectId id, Path path) {
                DirectoryStore.this.visit(id, path, visitor);
            }

            @Override
            public void stray(Path path, String why) {
                visitor.stray(path.toString(), why);
            }
        });
    }

    private interface ObjectFileVisitor {
        void visit(ObjectId id, Path path) throws StoreException;

        /** A file or directory under objects/ that is not an object file; it is never read. */
        void stray(Path path, String why);
    }

    /**
     * Walks objects/: each file with an object's name in that object's fan-out directory is an
     * object file; anything else there is stray (a store never writes anything else there: new
     * objects are written in tmp/ and renamed into place).
     */
    private void forEachObjectFile(ObjectFileVisitor visitor) throws StoreException {
        try (DirectoryStream<Path> fans = Files.newDirectoryStream(objects)) {
            for (Path fan : fans) {
                if (!Files.isDirectory(fan)) {
                    visitor.stray(fan, "not a fan-out directory of objects");
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(fan)) {
                    for (Path f : files) {
                        String why = notAnObjectFile(f);
                        if (why == null) {
                            visitor.visit(new ObjectId(f.getFileName().toString()), f);
                        } else {
                            visitor.stray(f, why);
                        }
                    }
                }
            }
        } catch (NoSuchFileException e) {
            // no objects yet
        } catch (IOException e) {
            throw new StoreException("cannot list objects in " + root + ": " + describe(e), e);
        }
    }

    /**
     * Why the file {@code f} (in a fan-out directory of objects/) is not an object file, or null when
     * it is one: its name is an object id and it is where {@link #objectPath} puts that object, so
     * that {@link #get} would read it. A file of an object's name in the wrong directory is stray,
     * not that object: the store would never find it there.
     */
    private String notAnObjectFile(Path f) {
        String name = f.getFileName().toString();
        if (!ObjectId.isValid(name)) {
            return "its name is not an object id";
        }
        Path place = objectPath(new ObjectId(name));
        if (!place.equals(f)) {
            return "not in " + root.relativize(place.getParent()) + "/, where an object of that name is kept";
        }
        if (!Files.isRegularFile(f)) {
            return "not a regular file";
        }
        return null;
    }

    /**
     * Re-reads every object into a fresh index. Damaged objects are left out (and reported by check),
     * and so are stray files: a damaged object must not fail the rebuild, nor satisfy a dedup lookup.
     */
    public void rebuildIndex() throws StoreException {
        rebuildIndex(index());
    }

    private void rebuildIndex(LabelIndex index) throws StoreException {
        try {
            index.clear();
        } catch (SQLException e) {
            throw failure("cannot reset the label index in " + root, e);
        }
        forEachObjectFile(new ObjectFileVisitor() {
            @Override
            public void stray(Path path, String why) {
                // never an object: nothing to index
            }

            @Override
            public void visit(ObjectId id, Path path) throws StoreException {
                indexObject(index, id, path);
            }
        });
        try {
            index.write();
        } catch (SQLException e) {
            throw failure("cannot rebuild the label index in " + root, e);
        }
    }

    private void indexObject(LabelIndex index, ObjectId id, Path path) throws StoreException {
        try {
            StoredObject object = ObjectFile.decode(Files.readAllBytes(path), "object " + id);
            index.add(id, object.meta().ranges(object.body().length), null);
        } catch (IOException | IllegalArgumentException e) {
            // Not indexed: a damaged (or unreadable) object must never satisfy a dedup lookup.
            // check reports it.
        }
    }

    /**
     * Objects still pending from an earlier run: if written during this boot, the page cache still
     * has them and an fsync completes them; after a reboot they may be torn, so each is verified
     * and dropped when damaged. One that cannot be read at all (an I/O error, not damage) is never
     * deleted: it only leaves the index, so that no backup reuses it, and check names it.
     */
    private void recoverPending(LabelIndex index) throws StoreException {
        Map<String, String> pending;
        try {
            pending = index.pending();
        } catch (SQLException e) {
            throw failure("cannot read the label index in " + root, e);
        }
        if (pending.isEmpty()) {
            return;
        }
        List<ObjectId> durable = new ArrayList<>();
        Set<Path> dirs = new HashSet<>();
        for (Map.Entry<String, String> e : pending.entrySet()) {
            ObjectId id = new ObjectId(e.getKey());
            Path path = objectPath(id);
            boolean sameBoot = e.getValue().equals(bootId);
            Verdict verdict = !Files.exists(path) ? Verdict.DAMAGED : sameBoot ? Verdict.WHOLE : verify(path);
            try {
                switch (verdict) {
                    case WHOLE -> {
                        durable.add(id);
                        dirs.add(path.getParent());
                    }
                    case DAMAGED -> {
                        FileDraft.deleteQuietly(path);
                        index.remove(id);
                    }
                    case UNREADABLE -> index.remove(id);
                }
            } catch (SQLException ex) {
                throw failure("cannot repair the label index in " + root, ex);
            }
        }
        try {
            for (Path d : dirs) {
                fsyncDir(d);
            }
            fsyncDir(objects);
            index.markDurable(durable);
        } catch (IOException | SQLException e) {
            throw failure("cannot make objects durable in " + root, e);
        }
    }

    private enum Verdict { WHOLE, DAMAGED, UNREADABLE }

    private static Verdict verify(Path path) {
        try {
            ObjectFile.decode(Files.readAllBytes(path), path.toString());
            return Verdict.WHOLE;
        } catch (StoreException.Corrupt e) {
            return Verdict.DAMAGED;
        } catch (NoSuchFileException e) {
            return Verdict.DAMAGED; // gone: nothing to delete, its index rows go
        } catch (IOException e) {
            return Verdict.UNREADABLE;
        }
    }

    @Override
    public Optional<StoredRecord> getRecord(String name) throws StoreException {
        checkRecordName(name);
        return readRecord(records.resolve(name));
    }

    private Optional<StoredRecord> readRecord(Path path) throws StoreException {
        byte[] file;
        try {
            file = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StoreException("cannot read record " + path + ": " + describe(e), e);
        }
        return Optional.of(RecordFile.decode(file, "record " + path));
    }

    @Override
    public long compareAndSetRecord(String name, long expectedVersion, byte[] body) throws StoreException {
        checkRecordName(name);
        flush();
        Path path = records.resolve(name);
        recordLock.lock();
        try {
            Files.createDirectories(records);
            try (FileChannel lockFile = FileChannel.open(records.resolve(".lock"),
                            StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = lockFile.lock()) {
                long current = readRecord(path).map(StoredRecord::version).orElse(0L);
                if (current != expectedVersion) {
                    throw new StoreException.Conflict("record " + name + " is at version " + current
                            + ", not " + expectedVersion, current);
                }
                if (keepRecordHistory && current > 0) {
                    keep(path, name, current);
                }
                long next = current + 1;
                Files.createDirectories(tmp);
                writeDurably(tmp.resolve("record-" + name + ".tmp"), path, RecordFile.encode(next, body));
                return next;
            }
        } catch (StoreException e) {
            throw e;
        } catch (IOException e) {
            throw failure("cannot write record " + name + " in " + root, e);
        } finally {
            recordLock.unlock();
        }
    }

    /** Keeps the current file of a record as {@code record-history/NAME.VERSION}, durably, before it is replaced. */
    private void keep(Path current, String name, long version) throws IOException {
        Path kept = history.resolve(name + "." + version);
        if (Files.exists(kept, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return; // kept by an attempt that failed later
        }
        if (!Files.isDirectory(history)) {
            Files.createDirectories(history);
            fsyncDir(root);
        }
        try {
            Files.createLink(kept, current); // the record file is never changed in place, so a link is a copy
            fsyncDir(history);
        } catch (FileAlreadyExistsException e) {
            // another process kept it
        } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
            if (isNoSpace(e)) {
                throw e;
            }
            writeDurably(tmp.resolve("history-" + name + ".tmp"), kept, Files.readAllBytes(current));
        }
    }

    /**
     * One version of a record: the current one, or an earlier one this store kept. Empty when
     * there is no such version (never written, or written before the store kept history).
     */
    public Optional<StoredRecord> getRecordVersion(String name, long version) throws StoreException {
        checkRecordName(name);
        if (version < 1) {
            return Optional.empty();
        }
        Optional<StoredRecord> current = readRecord(records.resolve(name));
        if (current.isPresent() && current.get().version() == version) {
            return current;
        }
        if (current.isPresent() && current.get().version() < version) {
            return Optional.empty();
        }
        Optional<StoredRecord> old = readRecord(history.resolve(name + "." + version));
        if (old.isPresent() && old.get().version() != version) {
            throw new StoreException.Corrupt("record history file " + history.resolve(name + "." + version)
                    + " holds version " + old.get().version() + ": it was renamed or damaged");
        }
        return old;
    }

    /** One version of a record as listed by {@link #recordVersions}; {@code bytes} is -1 when it is damaged. */
    public record RecordVersion(long version, int bytes, java.time.Instant written, boolean current) {}

    /** Every version of a record this store has, oldest first; the last one is current. */
    public List<RecordVersion> recordVersions(String name) throws StoreException {
        checkRecordName(name);
        List<RecordVersion> versions = new ArrayList<>();
        String prefix = name + ".";
        try (DirectoryStream<Path> files = Files.newDirectoryStream(history)) {
            for (Path f : files) {
                String n = f.getFileName().toString();
                if (n.startsWith(prefix) && n.substring(prefix.length()).matches("[0-9]{1,18}")) {
                    versions.add(versionOf(f, Long.parseLong(n.substring(prefix.length())), false));
                }
            }
        } catch (NoSuchFileException e) {
            // no history yet
        } catch (IOException e) {
            throw failure("cannot list the record history in " + root, e);
        }
        Path current = records.resolve(name);
        if (Files.isRegularFile(current, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Optional<StoredRecord> r = readRecord(current);
            if (r.isPresent()) {
                versions.removeIf(v -> v.version() == r.get().version());
                versions.add(versionOf(current, r.get().version(), true));
            }
        }
        versions.sort(java.util.Comparator.comparingLong(RecordVersion::version));
        return versions;
    }

    private static RecordVersion versionOf(Path file, long version, boolean current) throws StoreException {
        try {
            java.time.Instant written = Files.getLastModifiedTime(file).toInstant();
            int bytes;
            try {
                StoredRecord r = RecordFile.decode(Files.readAllBytes(file), "record " + file);
                bytes = r.version() == version ? r.body().length : -1;
            } catch (StoreException.Corrupt e) {
                bytes = -1;
            }
            return new RecordVersion(version, bytes, written, current);
        } catch (IOException e) {
            throw new StoreException("cannot read " + file + ": " + describe(e), e);
        }
    }

    /**
     * Makes an earlier version of a record current again by writing its body as a new version (so
     * versions only ever grow, and clients' compare-and-set keeps working). Returns the new version;
     * NotFound when there is no such version, Conflict when the record changed meanwhile.
     */
    public long restoreRecordVersion(String name, long version) throws StoreException {
        StoredRecord old = getRecordVersion(name, version).orElseThrow(() ->
                new StoreException.NotFound("record " + name + " has no version " + version + " in " + root));
        long current = getRecord(name).map(StoredRecord::version).orElse(0L);
        return compareAndSetRecord(name, current, old.body());
    }

    @Override
    public List<String> recordNames() throws StoreException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(records)) {
            for (Path f : files) {
                String n = f.getFileName().toString();
                if (Store.isValidRecordName(n) && Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    names.add(n);
                }
            }
        } catch (NoSuchFileException e) {
            return names;
        } catch (IOException e) {
            throw new StoreException("cannot list records in " + root + ": " + describe(e), e);
        }
        names.sort(null);
        return names;
    }

    private static void checkRecordName(String name) throws StoreException {
        if (!Store.isValidRecordName(name)) {
            throw new StoreException.BadRequest("invalid record name: " + name);
        }
    }

    @Override
    public void close() throws StoreException {
        try {
            flush();
        } finally {
            closeQuietly();
        }
    }

    private void closeQuietly() {
        synchronized (indexLock) {
            closeQuietly(index);
        }
    }

    private static void closeQuietly(LabelIndex index) {
        if (index == null) {
            return;
        }
        try {
            index.close();
        } catch (SQLException e) {
            // nothing to save: all index writes were committed
        }
    }

    static void writeDurably(Path temp, Path target, byte[] content) throws IOException {
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(content);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            move(temp, target);
        } catch (IOException | RuntimeException e) {
            FileDraft.deleteQuietly(temp); // a full disk must not leave half a file behind
            throw e;
        }
        fsyncDir(target.getParent());
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + to.getParent() + " cannot rename atomically", e);
        }
    }

    static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** A failed operation as a StoreException: {@link StoreException.NoSpace} when the disk is full. */
    static StoreException failure(String what, Exception e) {
        if (isNoSpace(e)) {
            return new StoreException.NoSpace(what + ": no space left on the device", e);
        }
        String detail = e instanceof IOException io ? describe(io) : e.getMessage();
        return new StoreException(what + ": " + detail, e);
    }

    private static boolean isNoSpace(Exception e) {
        return StoreException.isNoSpace(e);
    }

    private static String readBootId() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
        } catch (IOException | UncheckedIOException e) {
            return "unknown";
        }
    }

    static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory: " + e.getMessage();
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied: " + e.getMessage();
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
