package org.obnam.backup;

import java.nio.file.Path;
import java.util.List;
import org.obnam.generation.SchemaVersion;

/**
 * What to back up and how.
 *
 * @param roots directories (or files) to back up, as configured: relative ones stay relative
 * @param scratch directory for the generation databases while they are built and read
 * @param generationCache directory where the last generation database written is kept for the
 *     next backup (see {@link GenerationCache}); null keeps none
 */
public record BackupOptions(
        List<String> roots,
        int chunkSize,
        boolean excludeCacheTagDirectories,
        SchemaVersion schemaVersion,
        int threads,
        Path scratch,
        Path generationCache) {

    /** Threads for reading, encoding and uploading when not configured: one per core. */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }
}
