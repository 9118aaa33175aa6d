package org.obnam.repository;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.obnam.crypto.Label;
import org.obnam.store.ObjectId;
import org.obnam.util.Instants;
import org.obnam.util.JsonTree;

/**
 * The client's list of generations, oldest first (Rust Obnam's "client trust"). Stored encrypted
 * (and compressed when that helps) as a mutable record; {@code counter} grows by one with every change and is remembered by the
 * client, so an older list served later is recognised as a rollback.
 */
public record GenerationList(long counter, long recordVersion, List<Item> generations) {
    public static final int FORMAT_VERSION = 1;

    /** One generation as listed: enough to show and resolve it without fetching it. */
    public record Item(ObjectId id, Label label, Instant ended, String schemaVersion, long fileCount, long fileBytes) {}

    public static GenerationList empty() {
        return new GenerationList(0, 0, List.of());
    }

    public GenerationList with(Item item) {
        List<Item> all = new ArrayList<>(generations);
        all.add(item);
        return new GenerationList(counter + 1, recordVersion, List.copyOf(all));
    }

    public GenerationList without(java.util.Set<ObjectId> ids) {
        List<Item> kept = generations.stream().filter(i -> !ids.contains(i.id())).toList();
        return new GenerationList(counter + 1, recordVersion, kept);
    }

    /**
     * Finds a generation by {@code latest}, its full id, or a unique prefix of its id.
     * RepositoryException names what is wrong; {@link RepositoryException.BadReference} when
     * {@code ref} is empty, which as a prefix would match every generation.
     */
    public Item resolve(String ref) throws RepositoryException {
        if (ref.isBlank()) {
            throw new RepositoryException.BadReference("the generation must not be empty: give latest, a generation id,"
                    + " or the start of one (see obnam list)");
        }
        if (generations.isEmpty()) {
            throw new RepositoryException("there are no backups in the repository yet");
        }
        if (ref.equals("latest")) {
            return generations.getLast();
        }
        List<Item> matches = generations.stream().filter(i -> i.id().value().startsWith(ref)).toList();
        for (Item i : matches) {
            if (i.id().value().equals(ref)) {
                return i;
            }
        }
        if (matches.isEmpty()) {
            throw new RepositoryException("no generation matches " + ref);
        }
        if (matches.size() > 1) {
            throw new RepositoryException("generation " + ref + " is ambiguous: it matches " + matches.size() + " generations");
        }
        return matches.getFirst();
    }

    public byte[] toJson() {
        return JsonTree.write(g -> {
            g.writeStartObject();
            g.writeStringField("format", "obnam-generation-list");
            g.writeNumberField("version", FORMAT_VERSION);
            g.writeNumberField("counter", counter);
            g.writeArrayFieldStart("generations");
            for (Item i : generations) {
                g.writeStartObject();
                g.writeStringField("id", i.id().value());
                g.writeStringField("label", i.label().hex());
                g.writeStringField("ended", i.ended().toString());
                g.writeStringField("schema_version", i.schemaVersion());
                g.writeNumberField("file_count", i.fileCount());
                g.writeNumberField("file_bytes", i.fileBytes());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    public static GenerationList parse(byte[] json, long recordVersion) throws RepositoryException {
        try {
            JsonTree n = JsonTree.parse(json);
            if (!"obnam-generation-list".equals(n.path("format").asText())) {
                throw new RepositoryException("the generation list is damaged");
            }
            if (n.path("version").asInt(-1) > FORMAT_VERSION) {
                throw new RepositoryException("the generation list has format " + n.path("version").asInt()
                        + ", newer than this Obnam understands: upgrade Obnam");
            }
            List<Item> items = new ArrayList<>();
            for (JsonTree o : n.path("generations")) {
                items.add(new Item(new ObjectId(o.path("id").asText()), Label.fromHex(o.path("label").asText()),
                        Instants.parse(o.path("ended").asText()), o.path("schema_version").asText(),
                        o.path("file_count").asLong(), o.path("file_bytes").asLong()));
            }
            return new GenerationList(n.path("counter").asLong(), recordVersion, List.copyOf(items));
        } catch (IOException | RuntimeException e) {
            throw new RepositoryException("the generation list is damaged: " + e.getMessage(), e);
        }
    }
}
