package org.obnam.restore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
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
    private final boolean spreadTopLevel;
    private final List<RawName> names = new ArrayList<>();
    private final List<Dir> dirs = new ArrayList<>();

    /**
     * With {@code spreadTopLevel}, new directories directly in {@code top} are made under a random
     * name and then renamed: ext4 places the subdirectories of a directory marked as the top of a
     * hierarchy by a hash of their name, so the same names would go to the same block group
     * restore after restore, the one the last restore's tree was deleted from.
     */
    DirStack(Dir top, boolean spreadTopLevel) {
        this.top = top;
        this.spreadTopLevel = spreadTopLevel;
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
                opened = create(current, next, 0755);
            }
            names.add(next);
            dirs.add(opened);
        }
        return dirs.isEmpty() ? top : dirs.getLast();
    }

    /** Creates a directory in {@code parent} (an existing one is fine) and opens it. */
    Dir create(Dir parent, RawName name, int permissions) throws IOException {
        if (parent != top || !spreadTopLevel || top.exists(name)) {
            return parent.createDir(name, permissions);
        }
        RawName temporary = RawName.ofUtf8(".obnam-restore-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        top.createDir(temporary, permissions).close();
        boolean renamed = false;
        try {
            renamed = top.renameNoReplace(temporary, name);
        } finally {
            if (!renamed) {
                top.removeDir(temporary);
            }
        }
        return renamed ? top.openDir(name) : top.createDir(name, permissions);
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
