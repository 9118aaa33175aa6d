package org.obnam.cli;

import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import org.obnam.repository.GenerationList;
import picocli.CommandLine.Model.CommandSpec;

final class ListCommand implements Callable<Integer> {
    static final String NAME = "list";

    private final Main main;

    private ListCommand(Main main) {
        this.main = main;
    }

    static CommandSpec spec(Main main) {
        return CommandModel.command(new ListCommand(main), NAME,
                "List generations, oldest first: id and end time (ISO 8601, UTC).");
    }

    @Override
    public Integer call() throws Exception {
        try (Session session = main.session()) {
            for (GenerationList.Item g : session.repository().generations().generations()) {
                Output.line(g.id() + " " + DateTimeFormatter.ISO_INSTANT.format(g.ended().truncatedTo(ChronoUnit.SECONDS)));
            }
            return ExitCodes.OK;
        }
    }
}
