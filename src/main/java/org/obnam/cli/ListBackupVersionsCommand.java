package org.obnam.cli;

import java.util.concurrent.Callable;
import org.obnam.generation.SchemaVersion;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

final class ListBackupVersionsCommand implements Callable<Integer> {
    static final String NAME = "list-backup-versions";

    private final OptionSpec defaultOnlyOption = CommandModel.flag("--default-only", "Only the version backups use by default.");

    static CommandSpec spec(Main main) {
        ListBackupVersionsCommand c = new ListBackupVersionsCommand();
        return CommandModel.command(c, NAME, "List the generation schema versions this client can write.")
                .addOption(c.defaultOnlyOption);
    }

    @Override
    public Integer call() {
        if (CommandModel.isOn(defaultOnlyOption)) {
            Output.line(SchemaVersion.DEFAULT.toString());
        } else {
            SchemaVersion.SUPPORTED.forEach(v -> Output.line(v.toString()));
        }
        return ExitCodes.OK;
    }
}
