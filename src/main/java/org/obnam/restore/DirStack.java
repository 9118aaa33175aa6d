package org.obnam.restore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.obnam.fs.Dir;
import org.obnam.fs.RawName;
import org.obnam.fs.RawPath;

/**
 * The open directories along the path being restored. Entries come depth first, so the parent of
 * the next entry is almost always the top of the stack or one of its ancestors. Missing
 * directories are created (owner-only until their own metadata is applied at the end). Never
 * follows a symlink: a generation cannot make the restore write outside the target.
 */
final class DirStack implements AutoCloseable {
    private final Dir top;
    private final List<RawName> names = new ArrayList<>();
    private final List<Dir> dirs = new ArrayList<>();

    DirStack(Dir top) {
        this.top = top;
    }

    /** The directory that holds {@code rel}, opened (and created where needed). */
    Dir parentOf(RawPath rel) throws IOException {
        List<RawName> want = rel.names();
        int depth = want.size() - 1;
        int common = 0;
        while (common < names.size() && common < depth && names.get(common).equals(want.get(common))) {
            common++;
        }
        while (names.size() > common) {
            names.removeLast();
            dirs.removeLast().close();
        }
        while (names.size() < depth) {
            Dir current = dirs.isEmpty() ? top : dirs.getLast();
            RawName next = want.get(names.size());
            Dir opened;
            try {
                opened = current.openDir(next);
            } catch (IOException e) {
                opened = current.createDir(next, 0755);
            }
            names.add(next);
            dirs.add(opened);
        }
        return dirs.isEmpty() ? top : dirs.getLast();
    }

    @Override
    public void close() {
        for (Dir d : dirs) {
            d.close();
        }
        dirs.clear();
        names.clear();
    }
}
