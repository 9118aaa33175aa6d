package org.obnam.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.obnam.crypto.ChunkKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "encrypt-chunk", addMethodSubcommands = false, description = "Encrypt a file as a chunk with the repository's key, bound to the label in META.")
final class EncryptChunkCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "IN")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT")
    Path out;

    @Parameters(index = "2", paramLabel = "META", description = "Chunk metadata as JSON, e.g. '{\"label\":\"x\"}'.")
    String meta;

    @Override
    public Integer call() throws Exception {
        byte[] context = ChunkMetaArgument.context(meta);
        try (Session session = main.session()) {
            byte[] plain = FileArguments.readAll(in);
            FileArguments.write(out, session.repository().key().cipher().seal(ChunkKind.DATA, context, 0, plain));
            return ExitCodes.OK;
        }
    }
}
