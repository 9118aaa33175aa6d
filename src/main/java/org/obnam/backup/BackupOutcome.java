package org.obnam.backup;

import java.util.List;
import org.obnam.fs.RawPath;
import org.obnam.repository.GenerationList;

/**
 * A finished backup: the new generation and what went wrong along the way without stopping it.
 * The backup is incomplete (exit code 3) when there are warnings or new CACHEDIR.TAG files.
 */
public record BackupOutcome(
        GenerationList.Item generation,
        boolean incremental,
        long fileCount,
        long fileBytes,
        List<String> warnings,
        List<RawPath> newCachedirTags,
        Stats stats) {

    public record Stats(long chunksStored, long bytesStored, long chunksDeduplicated, long bytesUploaded,
            long filesRead, long filesUnchanged) {}

    public boolean complete() {
        return warnings.isEmpty() && newCachedirTags.isEmpty();
    }
}
