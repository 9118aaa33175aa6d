package org.obnam.restore;

import java.util.ArrayList;
import java.util.List;
import org.obnam.fs.Extent;

/**
 * Maps a sparse file's data stream (its extents back to back) onto file offsets: a chunk at a
 * stream offset may cover the end of one extent and the start of the next.
 */
final class Segments {
    record Segment(long fileOffset, int dataOffset, int length) {}

    private Segments() {}

    static List<Segment> place(List<Extent> extents, long streamOffset, int length) {
        List<Segment> out = new ArrayList<>(1);
        if (extents == null) {
            out.add(new Segment(streamOffset, 0, length));
            return out;
        }
        long extentStart = 0; // stream offset where the current extent begins
        int done = 0;
        for (Extent e : extents) {
            long extentEnd = extentStart + e.length();
            long pos = streamOffset + done;
            if (pos < extentEnd && done < length) {
                long within = pos - extentStart;
                int n = (int) Math.min(length - done, e.length() - within);
                out.add(new Segment(e.offset() + within, done, n));
                done += n;
            }
            extentStart = extentEnd;
            if (done == length) {
                break;
            }
        }
        // Data beyond the extents cannot come from a backup; it is dropped rather than guessed at.
        return out;
    }
}
