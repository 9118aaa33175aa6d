package org.obnam.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.obnam.crypto.ChunkKind;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

final class EncryptChunkCommand implements Callable<Integer> {
    static final String NAME = "encrypt-chunk";

    private final Main main;
    private final PositionalParamSpec inParameter = CommandModel.parameter(0, "IN", Path.class);
    private final PositionalParamSpec outParameter = CommandModel.parameter(1, "OUT", Path.class);
    private final PositionalParamSpec metaParameter = CommandModel.parameter(2, "META", String.class,
            "Chunk metadata as JSON, e.g. '{\"label\":\"x\"}'.");

    private EncryptChunkCommand(Main main) {
        this.main = main;
    }

    static CommandSpec spec(Main main) {
        EncryptChunkCommand c = new EncryptChunkCommand(main);
        return CommandModel.command(c, NAME, "Encrypt a file as a chunk with the repository's key, bound to the label in META.")
                .addPositional(c.inParameter).addPositional(c.outParameter).addPositional(c.metaParameter);
    }

    @Override
    public Integer call() throws Exception {
        Path in = inParameter.getValue();
        Path out = outParameter.getValue();
        String meta = metaParameter.getValue();
        byte[] context = ChunkMetaArgument.context(meta);
        try (Session session = main.session()) {
            byte[] plain = FileArguments.readAll(in);
            FileArguments.write(out, session.repository().key().cipher().seal(ChunkKind.DATA, context, 0, plain));
            return ExitCodes.OK;
        }
    }
}
