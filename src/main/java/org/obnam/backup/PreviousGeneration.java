package org.obnam.backup;

import java.util.Arrays;
import java.util.Optional;
import org.obnam.fs.RawPath;
import org.obnam.generation.EntryStamp;
import org.obnam.generation.GenerationException;
import org.obnam.generation.GenerationReader;

/**
 * The previous generation, looked up in walk order. The walker visits entries in the same order
 * as the previous backup did, so a forward cursor answers every look-up by a merge instead of an
 * indexed query. Each root starts its own cursor (found by the index), so a changed order of
 * roots still matches; an entry the cursor has passed counts as new and is read again.
 */
final class PreviousGeneration implements AutoCloseable {
    private final GenerationReader reader;
    private GenerationReader.StampCursor cursor;
    private EntryStamp head;

    PreviousGeneration(GenerationReader reader) {
        this.reader = reader;
    }

    /** Called at the start of each root: positions the cursor at the root's entry. */
    void startRoot(RawPath root) throws GenerationException {
        closeCursor();
        cursor = reader.stampsFrom(root);
        head = cursor.next();
    }

    Optional<EntryStamp> lookup(RawPath path) throws GenerationException {
        byte[] want = path.bytes();
        while (head != null) {
            int c = compare(head.path().bytes(), want);
            if (c == 0) {
                EntryStamp found = head;
                head = cursor.next();
                return Optional.of(found);
            }
            if (c > 0) {
                return Optional.empty(); // the cursor is past it: it was not there before
            }
            head = cursor.next();
        }
        return Optional.empty();
    }

    /** Walk order: depth first, names in byte order; the same as comparing with '/' lowest. */
    static int compare(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        int i = Arrays.mismatch(a, 0, n, b, 0, n);
        if (i < 0) {
            return Integer.compare(a.length, b.length);
        }
        int x = a[i] == '/' ? -1 : a[i] & 0xff;
        int y = b[i] == '/' ? -1 : b[i] & 0xff;
        return Integer.compare(x, y);
    }

    private void closeCursor() {
        if (cursor != null) {
            cursor.close();
            cursor = null;
        }
    }

    @Override
    public void close() {
        closeCursor();
    }
}
