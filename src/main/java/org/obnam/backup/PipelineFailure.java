package org.obnam.backup;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The first error anywhere in a pipeline. Stages report into it and check it; the first failure
 * wins and cancels the run, later ones are consequences and are dropped.
 */
final class PipelineFailure {
    private final AtomicReference<Throwable> first = new AtomicReference<>();
    private final Runnable onFailure;

    PipelineFailure(Runnable onFailure) {
        this.onFailure = onFailure;
    }

    void report(Throwable t) {
        if (first.compareAndSet(null, t)) {
            onFailure.run();
        }
    }

    boolean failed() {
        return first.get() != null;
    }

    Throwable cause() {
        return first.get();
    }

    /** Throws the first failure, if any, as the backup's error. */
    void check() throws BackupException {
        Throwable t = first.get();
        if (t != null) {
            throw BackupException.from(t);
        }
    }
}
