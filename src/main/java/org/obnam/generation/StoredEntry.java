package org.obnam.generation;

import java.util.List;

/** An entry read back from a generation, with its row number and chunk list. */
public record StoredEntry(long fileno, Entry entry, List<ChunkRef> chunks) {}
