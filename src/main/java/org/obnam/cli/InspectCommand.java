package org.obnam.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

final class InspectCommand implements Callable<Integer> {
    static final String NAME = "inspect";

    private final Main main;
    private final PositionalParamSpec generationParameter = CommandModel.parameter(0, "GEN", String.class);

    private InspectCommand(Main main) {
        this.main = main;
    }

    static CommandSpec spec(Main main) {
        InspectCommand c = new InspectCommand(main);
        return CommandModel.command(c, NAME, "Show a generation's schema version.").addPositional(c.generationParameter);
    }

    @Override
    public Integer call() throws Exception {
        try (Session session = main.session();
                OpenGeneration gen = OpenGeneration.open(session.repository(), generationParameter.getValue())) {
            Output.line("schema_version: " + gen.reader.schemaVersion());
            return ExitCodes.OK;
        }
    }
}
