package org.obnam.check;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What {@code check} found: damage (each line names what and where) and counts of what was checked. */
public final class CheckReport {
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private final List<String> notes = Collections.synchronizedList(new ArrayList<>());
    long generations;
    long files;
    long chunkReferences;
    long objects;
    long chunksVerified;
    long bytesVerified;

    void problem(String p) {
        problems.add(p);
    }

    void note(String n) {
        notes.add(n);
    }

    public List<String> problems() {
        return List.copyOf(problems);
    }

    public List<String> notes() {
        return List.copyOf(notes);
    }

    public boolean ok() {
        return problems.isEmpty();
    }

    public String summary() {
        return "checked " + generations + " generations, " + files + " files, " + chunkReferences + " chunk references, "
                + objects + " stored objects"
                + (chunksVerified > 0 ? ", read and verified " + chunksVerified + " chunks (" + bytesVerified + " bytes)" : "") + ": "
                +
                (problems.isEmpty() ? "no problems found" : problems.size() + " problem" + (problems.size() == 1 ? "" : "s"));
    }
}
