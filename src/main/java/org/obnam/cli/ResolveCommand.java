package org.obnam.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "resolve", addMethodSubcommands = false, description = "Print the full id of a generation given as 'latest' or an id prefix.")
final class ResolveCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "GEN")
    String generation;

    @Override
    public Integer call() throws Exception {
        try (Session session = main.session()) {
            Output.line(OpenGeneration.resolve(session.repository(), generation).id().value());
            return ExitCodes.OK;
        }
    }
}
