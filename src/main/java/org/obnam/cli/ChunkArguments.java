package org.obnam.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.obnam.store.ObjectMeta;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** The IN, OUT and META arguments of encrypt-chunk and decrypt-chunk; META is JSON like {"label": "x"}. */
final class ChunkArguments {
    private final PositionalParamSpec in = CommandModel.parameter(0, "IN", Path.class);
    private final PositionalParamSpec out = CommandModel.parameter(1, "OUT", Path.class);
    private final PositionalParamSpec meta;

    ChunkArguments(String... metaDescription) {
        meta = CommandModel.parameter(2, "META", String.class, metaDescription);
    }

    CommandSpec addTo(CommandSpec spec) {
        return spec.addPositional(in).addPositional(out).addPositional(meta);
    }

    Path in() {
        return in.getValue();
    }

    Path out() {
        return out.getValue();
    }

    /** The bytes the encryption binds the chunk to: its label. */
    byte[] context() throws UserError {
        String json = meta.getValue();
        try {
            ObjectMeta parsed = ObjectMeta.parse(json);
            if (parsed.labels().size() != 1) {
                throw new UserError("chunk metadata must name exactly one label", ExitCodes.USAGE);
            }
            return parsed.labels().getFirst().getBytes(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new UserError("bad chunk metadata " + json + ": " + e.getMessage(), ExitCodes.USAGE);
        }
    }
}
