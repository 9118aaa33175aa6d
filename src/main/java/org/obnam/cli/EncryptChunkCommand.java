package org.obnam.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.obnam.crypto.ChunkKind;
import picocli.CommandLine.Model.CommandSpec;

final class EncryptChunkCommand implements Callable<Integer> {
    static final String NAME = "encrypt-chunk";

    private final Main main;
    private final ChunkArguments arguments =
            new ChunkArguments("Chunk metadata as JSON, e.g. '{\"label\":\"x\"}'.");

    private EncryptChunkCommand(Main main) {
        this.main = main;
    }

    static CommandSpec spec(Main main) {
        EncryptChunkCommand c = new EncryptChunkCommand(main);
        return c.arguments.addTo(CommandModel.command(c, NAME,
                "Encrypt a file as a chunk with the repository's key, bound to the label in META."));
    }

    @Override
    public Integer call() throws Exception {
        Path in = arguments.in();
        Path out = arguments.out();
        byte[] context = arguments.context();
        try (Session session = main.session()) {
            byte[] plain = FileArguments.readAll(in);
            FileArguments.write(out, session.repository().key().cipher().seal(ChunkKind.DATA, context, 0, plain));
            return ExitCodes.OK;
        }
    }
}
