package org.obnam.cli;

import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import org.obnam.repository.GenerationList;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "list", addMethodSubcommands = false, description = "List generations, oldest first: id and end time (ISO 8601, UTC).")
final class ListCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

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
