package org.obnam.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "config", addMethodSubcommands = false, description = "Show the effective configuration as JSON (defaults filled in, ~ expanded, secrets hidden).")
final class ConfigCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Override
    public Integer call() throws Exception {
        try (Session session = main.session()) {
            Output.line(Json.pretty(session.config().toDisplayMap()));
            return ExitCodes.OK;
        }
    }
}
