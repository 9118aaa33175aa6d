package org.obnam.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

final class ResolveCommand implements Callable<Integer> {
    static final String NAME = "resolve";

    private final Main main;
    private final PositionalParamSpec generationParameter = CommandModel.parameter(0, "GEN", String.class);

    private ResolveCommand(Main main) {
        this.main = main;
    }

    static CommandSpec spec(Main main) {
        ResolveCommand c = new ResolveCommand(main);
        return CommandModel.command(c, NAME, "Print the full id of a generation given as 'latest' or an id prefix.")
                .addPositional(c.generationParameter);
    }

    @Override
    public Integer call() throws Exception {
        try (Session session = main.session()) {
            Output.line(OpenGeneration.resolve(session.repository(), generationParameter.getValue()).id().value());
            return ExitCodes.OK;
        }
    }
}
