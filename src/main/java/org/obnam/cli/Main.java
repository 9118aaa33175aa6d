package org.obnam.cli;

import java.nio.file.Path;
import java.util.List;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code obnam} command: global options, the subcommands, and how errors become exit codes. */
@Command(name = "obnam", addMethodSubcommands = false, versionProvider = Main.Version.class,
        description = "Obnam: deduplicating, encrypted backups.")
public final class Main implements Runnable {
    /**
     * The subcommands, by name. Building picocli's model of a command costs reflection, so a run
     * registers only the command it was asked for (all of them for help and errors).
     */
    private static final java.util.Map<String, Class<?>> COMMANDS = commands();

    private static java.util.Map<String, Class<?>> commands() {
        java.util.Map<String, Class<?>> m = new java.util.LinkedHashMap<>();
        for (Class<?> c : List.of(InitCommand.class, BackupCommand.class, ListCommand.class, ListFilesCommand.class,
                ResolveCommand.class, RestoreCommand.class, ShowGenerationCommand.class, GenInfoCommand.class,
                InspectCommand.class, ListBackupVersionsCommand.class, ConfigCommand.class, ChunkifyCommand.class,
                EncryptChunkCommand.class, DecryptChunkCommand.class, GetChunkCommand.class, CheckCommand.class,
                PasswdCommand.class)) {
            m.put(c.getAnnotation(Command.class).name(), c);
        }
        return m;
    }

    /** The commands that open no repository, and get no start-up warm-up (see StartupWarmup). */
    private static final java.util.Set<Class<?>> NO_REPOSITORY_COMMANDS = java.util.Set.of(ConfigCommand.class,
            ListBackupVersionsCommand.class, ChunkifyCommand.class);

    /** The commands that also read or write generation databases and files. */
    private static final java.util.Set<Class<?>> FILE_COMMANDS = java.util.Set.of(BackupCommand.class,
            RestoreCommand.class, ListFilesCommand.class, ShowGenerationCommand.class, InspectCommand.class,
            CheckCommand.class);

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
        // A worker thread that dies of an Error (out of memory, above all) must not let the run
        // finish as if all went well: stop at once. Backups are crash-safe; the exit code says
        // that this one did not complete.
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (e instanceof Error) {
                Output.flush();
                Output.error("obnam: internal error in " + thread.getName() + ": " + describe(e));
                Runtime.getRuntime().halt(ExitCodes.ERROR);
            }
            Output.error("obnam: warning: " + thread.getName() + " failed: " + e);
        });
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
        Class<?> wanted = requestedCommand(args);
        if (wanted != null && !NO_REPOSITORY_COMMANDS.contains(wanted)) {
            StartupWarmup.start(FILE_COMMANDS.contains(wanted));
        }
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        // What mixinStandardHelpOptions would add, without the reflection over picocli's mixin class
        // that it costs at every start.
        cl.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                .description("Show this help message and exit.").build());
        cl.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print version information and exit.").build());
        if (wanted != null) {
            cl.addSubcommand(wanted);
        } else {
            COMMANDS.values().forEach(cl::addSubcommand);
            cl.addSubcommand(CommandLine.HelpCommand.class);
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!sub.getCommandSpec().optionsMap().containsKey("--help")) { // help's own is not taken twice
                sub.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                        .description("Show this help and exit.").build());
            }
        }
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> report(e, main.debug));
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
    private static Class<?> requestedCommand(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--config")) {
                i++;
            } else if (a.equals("--debug") || a.startsWith("--config=")) {
                continue;
            } else {
                return COMMANDS.get(a);
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
