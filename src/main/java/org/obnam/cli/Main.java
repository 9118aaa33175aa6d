package org.obnam.cli;

import java.nio.file.Path;
import org.obnam.backup.BackupException;
import org.obnam.config.ConfigException;
import org.obnam.crypto.WrongPassphraseException;
import org.obnam.generation.GenerationException;
import org.obnam.repository.CorruptChunkException;
import org.obnam.repository.RepositoryException;
import org.obnam.restore.RestoreException;
import org.obnam.store.StoreException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code obnam} command: global options, the subcommands, and how errors become exit codes. */
@Command(name = "obnam", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Obnam: deduplicating, encrypted backups.",
        subcommands = {
            InitCommand.class, BackupCommand.class, ListCommand.class, ListFilesCommand.class, ResolveCommand.class,
            RestoreCommand.class, ShowGenerationCommand.class, GenInfoCommand.class, InspectCommand.class,
            ListBackupVersionsCommand.class, ConfigCommand.class, ChunkifyCommand.class, EncryptChunkCommand.class,
            DecryptChunkCommand.class, GetChunkCommand.class, CheckCommand.class, PasswdCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    @Option(names = "--config", paramLabel = "FILE", description = "Configuration file (default: ~/.config/obnam/obnam.yaml).")
    Path config;

    @Option(names = "--debug", description = "Show stack traces of errors.")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is needed; try obnam --help");
    }

    Session session() {
        return new Session(config, debug);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"obnam " + (v == null ? "development version" : v)};
        }
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    static int execute(String[] args) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> report(e, main.debug));
        cl.setParameterExceptionHandler((e, args1) -> {
            Output.error("obnam: " + e.getMessage());
            if (!(e instanceof CommandLine.UnmatchedArgumentException) || e.getCommandLine() == cl) {
                Output.error("Try 'obnam --help' for usage.");
            }
            return ExitCodes.USAGE;
        });
        cl.setOut(new java.io.PrintWriter(new java.io.OutputStreamWriter(System.out, java.nio.charset.StandardCharsets.UTF_8), true));
        int code;
        try {
            code = cl.execute(args);
        } finally {
            Output.flush();
        }
        return code;
    }

    /** One line naming the problem; a stack trace only with --debug. */
    static int report(Exception e, boolean debug) {
        if (debug) {
            e.printStackTrace();
        }
        Output.flush();
        if (e instanceof UserError u) {
            Output.error("obnam: " + u.getMessage());
            return u.exitCode();
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        boolean known = e instanceof ConfigException || e instanceof StoreException || e instanceof RepositoryException
                || e instanceof BackupException || e instanceof RestoreException || e instanceof GenerationException
                || e instanceof CorruptChunkException || e instanceof WrongPassphraseException
                || e instanceof java.io.IOException;
        if (known) {
            Output.error("obnam: " + message);
        } else {
            Output.error("obnam: internal error: " + e + (debug ? "" : " (run with --debug for details)"));
        }
        return ExitCodes.ERROR;
    }
}
