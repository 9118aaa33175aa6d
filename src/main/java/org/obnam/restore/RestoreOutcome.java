package org.obnam.restore;

import java.util.List;

/**
 * What a restore did. {@code failed} names entries that could not be restored (damaged or missing
 * chunks, file-system errors); nothing wrong is left in their place. {@code warnings} are lesser
 * problems, such as metadata the target cannot hold.
 */
public record RestoreOutcome(long entries, long bytes, List<String> failed, List<String> warnings) {
    public boolean complete() {
        return failed.isEmpty();
    }
}
