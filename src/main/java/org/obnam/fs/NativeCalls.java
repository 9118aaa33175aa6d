package org.obnam.fs;

/** Preparation of the native calls that file access makes through {@code Libc}. */
public final class NativeCalls {
    private NativeCalls() {
    }

    /**
     * Links one native function, and with it the stub that every function shares (Libc's single
     * signature), so that the first file operation does not generate it.
     */
    public static void prepare() {
        Libc.prepare();
    }
}
