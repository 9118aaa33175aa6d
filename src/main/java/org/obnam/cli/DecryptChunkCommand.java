package org.obnam.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.obnam.crypto.ChunkKind;
import org.obnam.crypto.CryptoException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "decrypt-chunk", addMethodSubcommands = false, description = "Decrypt a chunk made by encrypt-chunk; fails if it was changed or META differs.")
final class DecryptChunkCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "IN")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT")
    Path out;

    @Parameters(index = "2", paramLabel = "META")
    String meta;

    @Override
    public Integer call() throws Exception {
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
