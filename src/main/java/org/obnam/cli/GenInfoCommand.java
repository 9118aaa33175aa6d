package org.obnam.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "gen-info", addMethodSubcommands = false, description = "Same as show-generation (Rust Obnam's name).")
final class GenInfoCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "GEN")
    String generation;

    @Override
    public Integer call() throws Exception {
        return ShowGenerationCommand.show(main, generation);
    }
}
