package org.obnam.cli;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.obnam.crypto.ChunkKind;
import org.obnam.crypto.Label;
import org.obnam.repository.CorruptChunkException;
import org.obnam.repository.Repository;
import org.obnam.store.LabelRange;
import org.obnam.store.ObjectId;
import org.obnam.store.ObjectLocation;
import org.obnam.store.StoreException;
import org.obnam.store.StoredObject;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

final class GetChunkCommand implements Callable<Integer> {
    static final String NAME = "get-chunk";
    private static final ChunkKind[] KINDS = {ChunkKind.DATA, ChunkKind.GENERATION_DB, ChunkKind.GENERATION};

    private final Main main;
    private final PositionalParamSpec idParameter = CommandModel.parameter(0, "ID", String.class);

    private GetChunkCommand(Main main) {
        this.main = main;
    }

    static CommandSpec spec(Main main) {
        GetChunkCommand c = new GetChunkCommand(main);
        return CommandModel.command(c, NAME,
                "Write a chunk's verified plaintext to standard output. ID is a stored object's id (such as a "
                        + "generation id; for a pack, all its chunks in order) or a chunk label.",
                "Fails, writing nothing, if the chunk is damaged.")
                .addPositional(c.idParameter);
    }

    @Override
    public Integer call() throws Exception {
        String id = idParameter.getValue();
        try (Session session = main.session()) {
            Repository repo = session.repository();
            byte[] out;
            if (Label.isLabelHex(id)) {
                Map<String, ObjectLocation> found = repo.store().findLabels(List.of(id));
                ObjectLocation loc = found.get(id);
                if (loc == null) {
                    throw new UserError("no chunk with label " + id);
                }
                out = decode(repo, Label.fromHex(id), repo.store().getRange(loc.object(), loc.offset(), (int) loc.length()));
            } else {
                if (!ObjectId.isValid(id)) {
                    throw new UserError("no chunk " + id);
                }
                StoredObject object;
                try {
                    object = repo.store().get(new ObjectId(id));
                } catch (StoreException.NotFound e) {
                    throw new UserError("no chunk " + id);
                }
                java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                for (LabelRange r : object.meta().ranges(object.body().length)) {
                    Label label;
                    try {
                        label = Label.fromHex(r.label());
                    } catch (IllegalArgumentException e) {
                        throw new UserError("chunk " + id + " was not made by this client (label " + r.label() + ")");
                    }
                    byte[] blob = java.util.Arrays.copyOfRange(object.body(), (int) r.offset(), (int) (r.offset() + r.length()));
                    all.writeBytes(decode(repo, label, blob));
                }
                out = all.toByteArray();
            }
            Output.raw(out);
            return ExitCodes.OK;
        }
    }

    private static byte[] decode(Repository repo, Label label, byte[] blob) throws UserError {
        CorruptChunkException last = null;
        for (ChunkKind kind : KINDS) {
            try {
                return repo.codec().decode(kind, label, blob);
            } catch (CorruptChunkException e) {
                last = e;
            }
        }
        throw new UserError("chunk is damaged or not this repository's: " + last.getMessage());
    }
}
