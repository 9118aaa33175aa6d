package org.obnam.generation;

/** Why an entry is in a generation the way it is; shown by {@code list-files}. */
public enum Reason {
    /** Not in the previous generation. */
    NEW("new"),
    /** In the previous generation, but its metadata changed, so it was read again. */
    CHANGED("changed"),
    /** Same metadata as in the previous generation: its chunk list was copied, nothing was read. */
    UNCHANGED("unchanged"),
    /** The previous generation could not be used to decide, so the entry was read. */
    GENERATION_FAILED("generation-failed"),
    /** It could not be read (permissions, I/O error): its metadata is kept, its content is not restored. */
    SKIPPED("skipped");

    private final String text;

    Reason(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    public static Reason fromText(String text) {
        for (Reason r : values()) {
            if (r.text.equals(text)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown backup reason " + text);
    }

    @Override
    public String toString() {
        return text;
    }
}
