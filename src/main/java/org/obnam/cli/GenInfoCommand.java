package org.obnam.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

final class GenInfoCommand implements Callable<Integer> {
    static final String NAME = "gen-info";

    private final Main main;
    private final PositionalParamSpec generationParameter = CommandModel.parameter(0, "GEN", String.class);

    private GenInfoCommand(Main main) {
        this.main = main;
    }

    static CommandSpec spec(Main main) {
        GenInfoCommand c = new GenInfoCommand(main);
        return CommandModel.command(c, NAME, "Same as show-generation (Rust Obnam's name).")
                .addPositional(c.generationParameter);
    }

    @Override
    public Integer call() throws Exception {
        return ShowGenerationCommand.show(main, generationParameter.getValue());
    }
}
