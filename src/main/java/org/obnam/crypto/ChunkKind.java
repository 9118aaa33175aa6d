package org.obnam.crypto;

/**
 * What an encrypted blob holds. The kind is bound into the AEAD's associated data, so a blob of one
 * kind can never be passed off as another.
 */
public enum ChunkKind {
    DATA(1),
    GENERATION_DB(2),
    GENERATION(3),
    GENERATION_LIST(4);

    private final int code;

    ChunkKind(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
