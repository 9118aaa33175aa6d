package org.obnam.cli;

import java.nio.charset.StandardCharsets;
import org.obnam.store.ObjectMeta;

/** The META argument of encrypt-chunk and decrypt-chunk: JSON like {"label": "x"}. */
final class ChunkMetaArgument {
    private ChunkMetaArgument() {}

    /** The bytes the encryption binds the chunk to: its label. */
    static byte[] context(String json) throws UserError {
        try {
            ObjectMeta meta = ObjectMeta.parse(json);
            if (meta.labels().size() != 1) {
                throw new UserError("chunk metadata must name exactly one label", ExitCodes.USAGE);
            }
            return meta.labels().getFirst().getBytes(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new UserError("bad chunk metadata " + json + ": " + e.getMessage(), ExitCodes.USAGE);
        }
    }
}
