package org.obnam.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "inspect", addMethodSubcommands = false, description = "Show a generation's schema version.")
final class InspectCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "GEN")
    String generation;

    @Override
    public Integer call() throws Exception {
        try (Session session = main.session(); OpenGeneration gen = OpenGeneration.open(session.repository(), generation)) {
            Output.line("schema_version: " + gen.reader.schemaVersion());
            return ExitCodes.OK;
        }
    }
}
