package org.obnam.cli;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.obnam.generation.Entry;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

final class ListFilesCommand implements Callable<Integer> {
    static final String NAME = "list-files";

    private final Main main;
    private final PositionalParamSpec generationParameter = CommandModel.optionalGeneration("Generation (default: latest).");

    private ListFilesCommand(Main main) {
        this.main = main;
    }

    static CommandSpec spec(Main main) {
        ListFilesCommand c = new ListFilesCommand(main);
        return CommandModel.command(c, NAME,
                "List every entry of a generation with why it was backed up: new, changed, unchanged, "
                        + "generation-failed or skipped.",
                "Each line: kind (- d l p s c b), the path as raw bytes, the reason in parentheses.")
                .addPositional(c.generationParameter);
    }

    private static final class ReaderGone extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ReaderGone() {
            super(null, null, false, false);
        }
    }

    @Override
    public Integer call() throws Exception {
        try (Session session = main.session();
                OpenGeneration gen = OpenGeneration.open(session.repository(), generationParameter.getValue())) {
            try {
                gen.reader.forEach(stored -> {
                    if (Output.readerGone()) {
                        throw new ReaderGone(); // obnam list-files | head: nobody reads the rest
                    }
                    Entry e = stored.entry();
                    Output.raw((kind(e) + " ").getBytes(StandardCharsets.UTF_8));
                    Output.raw(e.path().bytes());
                    Output.raw((" (" + e.reason().text() + ")\n").getBytes(StandardCharsets.UTF_8));
                });
            } catch (ReaderGone gone) {
                // stop listing
            }
            return ExitCodes.OK;
        }
    }

    static String kind(Entry e) {
        return switch (e.type()) {
            case REGULAR -> "-";
            case DIRECTORY -> "d";
            case SYMLINK -> "l";
            case FIFO -> "p";
            case SOCKET -> "s";
            case CHAR_DEVICE -> "c";
            case BLOCK_DEVICE -> "b";
        };
    }
}
