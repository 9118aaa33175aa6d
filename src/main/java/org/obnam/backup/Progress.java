package org.obnam.backup;

/** Receives progress as a backup or restore runs; called from one thread. */
public interface Progress {
    /** Files done so far, bytes of file content done, and the entry being worked on. */
    void update(long files, long bytes, String current);

    Progress NONE = (files, bytes, current) -> { };
}
