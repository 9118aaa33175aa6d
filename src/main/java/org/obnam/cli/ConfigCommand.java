package org.obnam.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

final class ConfigCommand implements Callable<Integer> {
    static final String NAME = "config";

    private final Main main;

    private ConfigCommand(Main main) {
        this.main = main;
    }

    static CommandSpec spec(Main main) {
        return CommandModel.command(new ConfigCommand(main), NAME,
                "Show the effective configuration as JSON (defaults filled in, ~ expanded, secrets hidden).");
    }

    @Override
    public Integer call() throws Exception {
        try (Session session = main.session()) {
            Output.line(Json.pretty(session.config().toDisplayMap()));
            return ExitCodes.OK;
        }
    }
}
