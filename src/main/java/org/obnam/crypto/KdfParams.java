package org.obnam.crypto;

/** Argon2id parameters, stored with the salt so they can be raised later without breaking old keys. */
public record KdfParams(int memoryKib, int iterations, int parallelism) {
    /**
     * 32 MiB, 3 passes, 4 lanes: well above OWASP's minimum (19 MiB, 2 passes), under a second in a
     * fresh JVM here. Only {@code init} and {@code passwd} pay it: keys are cached after that.
     */
    public static final KdfParams DEFAULT = new KdfParams(32 * 1024, 3, 4);

    public KdfParams {
        if (memoryKib < 8 * parallelism || memoryKib > 4 * 1024 * 1024 || iterations < 1 || iterations > 100
                || parallelism < 1 || parallelism > 64) {
            throw new IllegalArgumentException("Argon2id parameters out of range: memory " + memoryKib
                    + " KiB, " + iterations + " iterations, parallelism " + parallelism);
        }
    }
}
