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
    /** Per open directory: the placement it was created in, or -1 for one that was there already. */
    private final List<Integer> placements = new ArrayList<>();
    private final CreateLatencyWatch watch = new CreateLatencyWatch();
    /** Where new directories are made once creating files became slow; null until then. */
    private RawName staging;
    /** Kept until the end: each counts as a directory in its group, which ext4 then prefers less. */
    private final List<RawName> stagings = new ArrayList<>();
    private int placement;
    private int madeInStaging;
    /**
     * Whether the last {@link #createOrOpen} made the directory, rather than finding it there;
     * only tracked with {@code spreadTopLevel}.
     */
    private boolean madeNew;
    private Dir lastCreatedIn;
    private RawName lastCreated;
    private int lastCreatedPlacement;

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
            placements.removeLast();
            dirs.removeLast().close();
        }
        while (names.size() < depth) {
            Dir current = dirs.isEmpty() ? top : dirs.getLast();
            RawName next = want.get(names.size());
            Dir opened;
            int madeIn = -1;
            try {
                opened = current.openDir(next);
                if (current == lastCreatedIn && next.equals(lastCreated)) {
                    madeIn = lastCreatedPlacement; // a directory entry comes just before its contents
                }
            } catch (IOException e) {
                opened = create(current, next, 0755);
                madeIn = madeNew ? placement : -1;
            }
            names.add(next);
            placements.add(madeIn);
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
        if (madeNew) {
            lastCreatedIn = parent;
            lastCreated = name;
            lastCreatedPlacement = placement;
        }
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

    /**
     * Tells how long creating a file in {@code parent} took. When creates in the directories made
     * since the last move have become slow (see {@link CreateLatencyWatch}), the directories made
     * from then on are made in a new staging directory in {@code top} and renamed into place.
     * ext4 puts a new directory of a directory marked as the top of a hierarchy in the group with
     * the fewest directories, which the slow group no longer is once the restore has put some
     * there, and a directory's files go to its own group wherever it is renamed to. Moving is
     * only an optimisation: when the staging directory cannot be made, the restore goes on as it
     * was.
     */
    void fileCreated(Dir parent, long nanos) {
        if (!spreadTopLevel || dirs.isEmpty() || dirs.getLast() != parent || placements.getLast() != placement
                || !watch.slowAfter(nanos)) {
            return;
        }
        RawName next = temporaryName();
        try {
            top.createDir(next, 0700).close();
            top.chmod(next, 0700); // under a umask without owner write, nothing could be made in it
        } catch (IOException e) {
            return;
        }
        stagings.add(next);
        staging = next;
        placement++;
    }

    /** How many times new directories were moved to a new staging directory. */
    int moves() {
        return watch.moves();
    }

    /** How many directories were made in a staging directory and renamed into place. */
    int madeInStaging() {
        return madeInStaging;
    }

    /**
     * Makes or opens the directory, setting {@link #madeNew}. A new directory is made in the
     * staging directory when there is one and every directory above it was made by this restore:
     * a directory inherits from the one it is made in (a setgid group, default ACLs), and one made
     * in the staging directory must inherit what it would have where it belongs.
     */
    private Dir createOrOpen(Dir parent, RawName name, int permissions) throws IOException {
        // Only where directories are placed at all: elsewhere nothing needs to know, and the
        // look-up would be one more system call per directory.
        madeNew = spreadTopLevel && !parent.exists(name);
        Dir made = null;
        if (madeNew && staging != null && !placements.contains(-1)) {
            made = createInStaging(parent, name, permissions);
        } else if (madeNew && parent == top) {
            made = createAndRename(top, top, name, permissions);
        }
        return made != null ? made : parent.createDir(name, permissions);
    }

    private Dir createInStaging(Dir parent, RawName name, int permissions) {
        Dir from = openStaging();
        if (from == null) {
            return null;
        }
        try (from) {
            Dir made = createAndRename(from, parent, name, permissions);
            if (made == null) {
                staging = null; // made in place from now on, until the next move
            } else {
                madeInStaging++;
            }
            return made;
        }
    }

    /**
     * Makes the directory in {@code from} under a random name and renames it to {@code name} in
     * {@code parent}; null, with nothing left behind where possible, when that cannot be done (the
     * name is taken, {@code parent} is on another file system mounted inside the target, or
     * {@code from} was removed meanwhile), for the caller to make it in place.
     */
    private static Dir createAndRename(Dir from, Dir parent, RawName name, int permissions) {
        RawName temporary = temporaryName();
        try {
            from.createDir(temporary, permissions).close();
        } catch (IOException e) {
            return null;
        }
        boolean renamed = false;
        try {
            renamed = from.renameNoReplace(temporary, parent, name);
        } catch (IOException e) {
            // made in place by the caller
        }
        if (!renamed) {
            try {
                from.removeDir(temporary);
            } catch (IOException e) {
                // gone with its staging directory, or left behind empty
            }
            return null;
        }
        try {
            return parent.openDir(name);
        } catch (IOException e) {
            return null;
        }
    }

    private Dir openStaging() {
        try {
            return top.openDir(staging);
        } catch (IOException e) {
            staging = null; // removed by someone else: directories are made in place from now on
            return null;
        }
    }

    private static RawName temporaryName() {
        return RawName.ofUtf8(".obnam-restore-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    }

    private void removeStagings() {
        for (RawName s : stagings) {
            try {
                top.removeDir(s);
            } catch (IOException e) {
                // left behind, and empty: nothing stays in a staging directory
            }
        }
        stagings.clear();
        staging = null;
    }

    @Override
    public void close() {
        for (Dir d : dirs) {
            d.close();
        }
        dirs.clear();
        names.clear();
        placements.clear();
        removeStagings();
    }
}
