package org.obnam.restore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.obnam.fs.Dir;
import org.obnam.fs.ErrnoException;
import org.obnam.fs.FileStat;
import org.obnam.fs.FileType;
import org.obnam.fs.RawName;
import org.obnam.fs.RawPath;
import org.obnam.fs.Users;

/**
 * The open directories along the path being restored. Entries come depth first, so the parent of
 * the next entry is almost always the top of the stack or one of its ancestors. Missing
 * directories are created (owner-only until their own metadata is applied at the end). Never
 * follows a symlink: a generation cannot make the restore write outside the target.
 */
final class DirStack implements AutoCloseable {
    private final Dir top;
    private final boolean root = Users.effectiveUid() == 0;
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

    /**
     * Creates a directory in {@code parent} and opens it. An existing directory is fine, even one
     * its owner cannot enter or write to (an earlier restore's directory of mode 000 or 0500, say):
     * it is given owner access, and its own metadata is applied at the end of the restore as usual.
     * Anything else in the way (a file, a symlink) is replaced, as for files.
     */
    Dir create(Dir parent, RawName name, int permissions) throws IOException {
        Dir created = createReplacing(parent, name, permissions);
        if (!root) {
            try {
                FileStat st = created.stat();
                if ((st.permissions() & 0700) != 0700 && st.uid() == Users.effectiveUid()) {
                    // An earlier restore's read-only directory: its files could not be replaced.
                    parent.chmod(name, st.permissions() | 0700);
                }
            } catch (IOException e) {
                created.close();
                throw e;
            }
        }
        return created;
    }

    private Dir createReplacing(Dir parent, RawName name, int permissions) throws IOException {
        try {
            return createOrOpen(parent, name, permissions);
        } catch (ErrnoException e) {
            FileStat existing;
            try {
                existing = parent.lstat(name);
            } catch (IOException gone) {
                throw e;
            }
            if (e.errno() == ErrnoException.EEXIST && existing.type() != FileType.DIRECTORY) {
                parent.unlink(name);
                return createOrOpen(parent, name, permissions);
            }
            if (e.errno() == ErrnoException.EACCES && existing.type() == FileType.DIRECTORY
                    && existing.uid() == Users.effectiveUid()) {
                parent.chmod(name, existing.permissions() | 0700);
                return parent.openDir(name);
            }
            throw e;
        }
    }

    private Dir createOrOpen(Dir parent, RawName name, int permissions) throws IOException {
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
