package org.obnam.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.obnam.backup.BackupOptions;
import org.obnam.config.RepositoryLocation;
import org.obnam.crypto.JitWarmUp;
import org.obnam.fs.ArgumentBytes;
import org.obnam.fs.Proc;
import org.obnam.fs.RawPath;
import org.obnam.repository.GenerationList;
import org.obnam.repository.Repository;
import org.obnam.restore.RestoreOutcome;
import org.obnam.restore.RestoreRun;
import org.obnam.util.Progress;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

final class RestoreCommand implements Callable<Integer> {
    static final String NAME = "restore";

    private final Main main;
    private final PositionalParamSpec generationParameter = CommandModel.parameter(0, "GEN", String.class,
            "Generation: 'latest' or an id (prefix).");
    /** A string, not a Path: its bytes may not be UTF-8 (see {@link ArgumentBytes}). */
    private final PositionalParamSpec targetParameter = CommandModel.parameter(1, "DIR", String.class,
            "Directory to restore into (created if missing).");
    private final OptionSpec threadsOption = CommandModel.option("--threads", "N", Integer.class,
            "Threads fetching and writing (default: one per core; at least 4 from a server).");

    private RestoreCommand(Main main) {
        this.main = main;
    }

    static CommandSpec spec(Main main) {
        RestoreCommand c = new RestoreCommand(main);
        return CommandModel.command(c, NAME,
                "Restore a generation into DIR: each root goes under DIR (an absolute root /a/b as DIR/a/b).",
                "Damaged or missing data fails only the files it belongs to; they are named and the exit code is 1.")
                .addPositional(c.generationParameter).addPositional(c.targetParameter).addOption(c.threadsOption);
    }

    /**
     * One per core for a local repository: a bulk restore with 4 threads on 2 cores used 10% more
     * CPU and 10 MiB more memory than with 2, for no gain on 50,000 small files. From a server,
     * more requests in flight hide the network's latency, so at least 4.
     */
    private static int defaultThreads(Session session) throws Exception {
        int cores = BackupOptions.defaultThreads();
        return session.config().repository() instanceof RepositoryLocation.Local ? cores : Math.max(4, cores);
    }

    /**
     * The target as given, made absolute: one that is valid UTF-8 normalised (so ".." works as in
     * the shell); one with other bytes taken byte for byte (where ".." is refused).
     */
    static RawPath targetPath(String target) throws UserError, java.io.IOException {
        try {
            byte[] bytes = ArgumentBytes.bytesOf(target);
            if (bytes == null) {
                throw new UserError("cannot tell the bytes of the restore directory " + target
                        + " from the command line", ExitCodes.USAGE);
            }
            if (!java.util.Arrays.equals(bytes, target.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                RawPath raw = RawPath.of(bytes); // not UTF-8: taken byte for byte
                return raw.isAbsolute() ? raw : Proc.workingDirectory().resolve(raw);
            }
            return RawPath.ofUtf8(Path.of(target).toAbsolutePath().normalize().toString());
        } catch (IllegalArgumentException e) {
            throw new UserError("bad restore directory: " + e.getMessage(), ExitCodes.USAGE);
        }
    }

    @Override
    public Integer call() throws Exception {
        JitWarmUp.startForReading();
        String generation = generationParameter.getValue();
        String target = targetParameter.getValue();
        Integer threads = threadsOption.getValue();
        try (Session session = main.session()) {
            Repository repo = session.repository();
            GenerationList.Item item = OpenGeneration.resolve(repo, generation);
            int n = threads != null ? threads : session.config().threads().orElse(defaultThreads(session));
            if (n < 1 || n > 1024) {
                throw new UserError("--threads must be between 1 and 1024, not " + n + " (see obnam restore --help)", ExitCodes.USAGE);
            }
            RawPath into = targetPath(target);
            Progress progress = ProgressLine.forTerminal("restoring");
            RestoreOutcome outcome;
            try {
                outcome = RestoreRun.run(repo, item, into, Session.scratch(), n, session.config().chunkSize(),
                        problem -> ProgressLine.printAbove(progress, "obnam: " + problem), progress);
            } finally {
                ProgressLine.finish(progress);
            }
            if (!outcome.complete()) {
                throw new UserError("restored " + item.id() + " into " + into + ", but " + outcome.failed().size()
                        + " entr" + (outcome.failed().size() == 1 ? "y" : "ies") + " could not be restored (see above)");
            }
            return ExitCodes.OK;
        }
    }
}
