package org.obnam.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.obnam.backup.BackupException;
import org.obnam.config.ConfigException;
import org.obnam.crypto.WrongPassphraseException;
import org.obnam.fs.ArgumentBytes;
import org.obnam.generation.GenerationException;
import org.obnam.repository.CorruptChunkException;
import org.obnam.repository.RepositoryException;
import org.obnam.restore.RestoreException;
import org.obnam.store.StoreException;
import org.obnam.util.Heap;
import org.obnam.util.IoErrors;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The {@code obnam} command: global options, the subcommands, and how errors become exit codes. */
public final class Main implements Runnable {
    static {
        // picocli looks for Groovy's closure class when it first makes a command's model; the
        // lookup misses, and a miss opens the jar on the class path and indexes its 12,000 entries
        // in the interpreter: 18 ms of every command's main thread (-Xlog:class+init).
        System.setProperty("picocli.disable.closures", "true");
    }

    /**
     * A worker thread that dies of an Error (out of memory, above all) must not let the run
     * finish as if all went well: stop at once. Backups are crash-safe; the exit code says that
     * this one did not complete. A field rather than a lambda in main(): the AOT cache holds the
     * lambdas the build's training run made, and that run calls execute(), not main(); one made at
     * run time set up the JDK's class-file API first, 6 ms of every command.
     */
    static final Thread.UncaughtExceptionHandler STOP_ON_ERROR = (thread, e) -> {
        if (e instanceof Error) {
            Output.flush();
            Output.error("obnam: internal error in " + thread.getName() + ": " + describe(e));
            Runtime.getRuntime().halt(ExitCodes.ERROR);
        }
        Output.error("obnam: warning: " + thread.getName() + " failed: " + e);
    };

    /**
     * The subcommands' models, by name, in the order help lists them. A run builds only the model of
     * the command it was asked for (all of them for help and errors).
     */
    static final Map<String, Function<Main, CommandSpec>> COMMANDS = commands();

    private static Map<String, Function<Main, CommandSpec>> commands() {
        Map<String, Function<Main, CommandSpec>> m = new LinkedHashMap<>();
        m.put(InitCommand.NAME, InitCommand::spec);
        m.put(BackupCommand.NAME, BackupCommand::spec);
        m.put(ListCommand.NAME, ListCommand::spec);
        m.put(ListFilesCommand.NAME, ListFilesCommand::spec);
        m.put(ResolveCommand.NAME, ResolveCommand::spec);
        m.put(RestoreCommand.NAME, RestoreCommand::spec);
        m.put(ShowGenerationCommand.NAME, ShowGenerationCommand::spec);
        m.put(GenInfoCommand.NAME, GenInfoCommand::spec);
        m.put(InspectCommand.NAME, InspectCommand::spec);
        m.put(ListBackupVersionsCommand.NAME, ListBackupVersionsCommand::spec);
        m.put(ConfigCommand.NAME, ConfigCommand::spec);
        m.put(ChunkifyCommand.NAME, ChunkifyCommand::spec);
        m.put(EncryptChunkCommand.NAME, EncryptChunkCommand::spec);
        m.put(DecryptChunkCommand.NAME, DecryptChunkCommand::spec);
        m.put(GetChunkCommand.NAME, GetChunkCommand::spec);
        m.put(CheckCommand.NAME, CheckCommand::spec);
        m.put(PasswdCommand.NAME, PasswdCommand::spec);
        return m;
    }

    /** The commands that open no repository, and get only the output's warm-up (see StartupWarmup). */
    private static final Set<String> NO_REPOSITORY_COMMANDS = Set.of(ConfigCommand.NAME, ListBackupVersionsCommand.NAME,
            ChunkifyCommand.NAME);

    /** The commands that also read or write generation databases and files. */
    private static final Set<String> FILE_COMMANDS = Set.of(BackupCommand.NAME, RestoreCommand.NAME,
            ListFilesCommand.NAME, ShowGenerationCommand.NAME, InspectCommand.NAME, CheckCommand.NAME);

    private final OptionSpec configOption = CommandModel.option("--config", "FILE", Path.class,
            "Configuration file (default: ~/.config/obnam/obnam.yaml).");
    private final OptionSpec debugOption = CommandModel.flag("--debug", "Show stack traces of errors.");
    private final CommandSpec spec = CommandModel.command(this, "obnam", "Obnam: deduplicating, encrypted backups.")
            .versionProvider(new Version()).addOption(configOption).addOption(debugOption);

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is needed; try obnam --help");
    }

    CommandSpec spec() {
        return spec;
    }

    boolean debug() {
        return CommandModel.isOn(debugOption);
    }

    Session session() {
        return new Session(configOption.getValue(), debug());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"obnam " + (v == null ? "development version" : v)};
        }
    }

    public static void main(String[] args) {
        Thread.setDefaultUncaughtExceptionHandler(STOP_ON_ERROR);
        int code;
        try {
            ArgumentBytes.remember(args);
            code = execute(args);
        } catch (Error e) {
            Output.flush();
            Output.error("obnam: " + describe(e));
            code = ExitCodes.ERROR;
        }
        Output.flush();
        String outputFailure = Output.outputFailure();
        if (outputFailure != null) {
            Output.error("obnam: " + outputFailure);
            code = code == ExitCodes.OK ? ExitCodes.ERROR : code;
        }
        System.exit(code);
    }

    private static String describe(Throwable e) {
        if (e instanceof OutOfMemoryError) {
            return Heap.outOfMemory();
        }
        return e.toString();
    }

    static int execute(String[] args) {
        String wanted = requestedCommand(args);
        if (wanted != null) {
            StartupWarmup.start(!NO_REPOSITORY_COMMANDS.contains(wanted), FILE_COMMANDS.contains(wanted));
        }
        Main main = new Main();
        CommandLine cl = new CommandLine(main.spec);
        // What mixinStandardHelpOptions would add, without the reflection over picocli's mixin class
        // that it costs at every start.
        cl.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                .description("Show this help message and exit.").build());
        cl.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print version information and exit.").build());
        if (wanted != null) {
            cl.addSubcommand(wanted, COMMANDS.get(wanted).apply(main));
        } else {
            COMMANDS.forEach((name, spec) -> cl.addSubcommand(name, spec.apply(main)));
            cl.addSubcommand(CommandLine.HelpCommand.class);
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!sub.getCommandSpec().optionsMap().containsKey("--help")) { // help's own is not taken twice
                sub.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                        .description("Show this help and exit.").build());
            }
        }
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> report(e, main.debug()));
        cl.setParameterExceptionHandler((e, args1) -> {
            // One line, as every error: where to read more goes at its end.
            CommandLine where = e.getCommandLine();
            String message = e.getMessage();
            Output.error("obnam: " + message + (message.contains("--help") ? ""
                    : where == cl ? " (see obnam --help)" : " (see obnam " + where.getCommandName() + " --help)"));
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

    /** The subcommand named by the first argument that is not a global option, if it is one. */
    private static String requestedCommand(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--config")) {
                i++;
            } else if (a.equals("--debug") || a.startsWith("--config=")) {
                continue;
            } else {
                return COMMANDS.containsKey(a) ? a : null;
            }
        }
        return null;
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
        String message = e instanceof java.io.IOException io ? IoErrors.describe(io)
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
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
