package org.obnam.cli;

import java.util.concurrent.Callable;
import org.obnam.generation.SchemaVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "list-backup-versions", addMethodSubcommands = false, description = "List the generation schema versions this client can write.")
final class ListBackupVersionsCommand implements Callable<Integer> {
    @Option(names = "--default-only", description = "Only the version backups use by default.")
    boolean defaultOnly;

    @Override
    public Integer call() {
        if (defaultOnly) {
            Output.line(SchemaVersion.DEFAULT.toString());
        } else {
            SchemaVersion.SUPPORTED.forEach(v -> Output.line(v.toString()));
        }
        return ExitCodes.OK;
    }
}
