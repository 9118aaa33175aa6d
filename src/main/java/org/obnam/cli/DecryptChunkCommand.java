package org.obnam.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.obnam.crypto.ChunkKind;
import org.obnam.crypto.CryptoException;
import picocli.CommandLine.Model.CommandSpec;

final class DecryptChunkCommand implements Callable<Integer> {
    static final String NAME = "decrypt-chunk";

    private final Main main;
    private final ChunkArguments arguments = new ChunkArguments();

    private DecryptChunkCommand(Main main) {
        this.main = main;
    }

    static CommandSpec spec(Main main) {
        DecryptChunkCommand c = new DecryptChunkCommand(main);
        return c.arguments.addTo(CommandModel.command(c, NAME,
                "Decrypt a chunk made by encrypt-chunk; fails if it was changed or META differs."));
    }

    @Override
    public Integer call() throws Exception {
        Path in = arguments.in();
        Path out = arguments.out();
        byte[] context = arguments.context();
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
