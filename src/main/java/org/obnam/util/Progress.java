package org.obnam.util;

import java.util.function.LongSupplier;
import java.util.function.Supplier;

/** Receives progress as a backup or restore runs. Every method is cheap: a display polls what it is given. */
public interface Progress {
    /**
     * Entries done so far, bytes of file content done, and the entry being worked on: a supplier,
     * because its name is wanted a few times a second at most, and making it for every file
     * took about 9% of the backup's main-thread samples for 50,000 small files. From one thread.
     */
    void update(long files, long bytes, Supplier<String> current);

    /**
     * Where to read how many bytes of file content have been read (backup) or written (restore)
     * so far, counted as it happens: one big file is otherwise "done" only at its end.
     */
    default void liveBytes(LongSupplier soFar) {}

    /** How many entries and content bytes the whole run will have, when that is known up front (a restore). */
    default void expect(long files, long bytes) {}

    Progress NONE = (files, bytes, current) -> { };
}
