package org.obnam.backup;

import java.util.ArrayList;
import java.util.List;

/** Problems that did not stop the backup, in the order they were met; thread-safe. */
final class Warnings {
    private final List<String> list = new ArrayList<>();
    private final java.util.function.Consumer<String> listener;

    Warnings(java.util.function.Consumer<String> listener) {
        this.listener = listener;
    }

    synchronized void add(String warning) {
        list.add(warning);
        listener.accept(warning);
    }

    synchronized List<String> all() {
        return List.copyOf(list);
    }
}
