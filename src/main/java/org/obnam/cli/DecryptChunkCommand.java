package org.obnam.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.obnam.crypto.ChunkKind;
import org.obnam.crypto.CryptoException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

final class DecryptChunkCommand implements Callable<Integer> {
    static final String NAME = "decrypt-chunk";

    private final Main main;
    private final PositionalParamSpec inParameter = CommandModel.parameter(0, "IN", Path.class);
    private final PositionalParamSpec outParameter = CommandModel.parameter(1, "OUT", Path.class);
    private final PositionalParamSpec metaParameter = CommandModel.parameter(2, "META", String.class);

    private DecryptChunkCommand(Main main) {
        this.main = main;
    }

    static CommandSpec spec(Main main) {
        DecryptChunkCommand c = new DecryptChunkCommand(main);
        return CommandModel.command(c, NAME, "Decrypt a chunk made by encrypt-chunk; fails if it was changed or META differs.")
                .addPositional(c.inParameter).addPositional(c.outParameter).addPositional(c.metaParameter);
    }

    @Override
    public Integer call() throws Exception {
        Path in = inParameter.getValue();
        Path out = outParameter.getValue();
        String meta = metaParameter.getValue();
        byte[] context = ChunkMetaArgument.context(meta);
        try (Session session = main.session()) {
            byte[] blob = FileArguments.readAll(in);
            byte[] plain;
            try {
                plain = session.repository().key().cipher().open(ChunkKind.DATA, context, blob).plaintext();
            } catch (CryptoException e) {
                throw new UserError("cannot decrypt " + in + ": " + e.getMessage());
            }
            FileArguments.write(out, plain);
            return ExitCodes.OK;
        }
    }
}
