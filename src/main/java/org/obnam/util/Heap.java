package org.obnam.util;

/** What to tell a user whose run ran out of Java heap. */
public final class Heap {
    private Heap() {
    }

    public static String outOfMemory() {
        return "out of memory (Java heap of " + (Runtime.getRuntime().maxMemory() >> 20)
                + " MiB): set OBNAM_MAX_HEAP higher, or use fewer --threads";
    }
}
