package org.obnam.cli;

import java.util.concurrent.Callable;
import org.obnam.backup.BackupOptions;
import org.obnam.backup.BackupOutcome;
import org.obnam.backup.BackupRun;
import org.obnam.util.Progress;
import org.obnam.config.ClientConfig;
import org.obnam.fs.RawPath;
import org.obnam.generation.SchemaVersion;
import org.obnam.repository.Repository;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

final class BackupCommand implements Callable<Integer> {
    static final String NAME = "backup";

    private final Main main;
    private final OptionSpec backupVersionOption = CommandModel.option("--backup-version", "N", Integer.class,
            "Generation schema major version to write (see list-backup-versions).");
    private final OptionSpec threadsOption = CommandModel.option("--threads", "N", Integer.class,
            "Threads for reading, compressing, encrypting and uploading (default: config threads, else one per core).");

    private BackupCommand(Main main) {
        this.main = main;
    }

    static CommandSpec spec(Main main) {
        BackupCommand c = new BackupCommand(main);
        return CommandModel.command(c, NAME,
                "Back up all roots into a new generation and print its id.",
                "Exit code 3: the backup was made but is incomplete (unreadable entries, or a new CACHEDIR.TAG).")
                .addOption(c.backupVersionOption).addOption(c.threadsOption);
    }

    @Override
    public Integer call() throws Exception {
        Integer backupVersion = backupVersionOption.getValue();
        Integer threads = threadsOption.getValue();
        long start = System.nanoTime();
        try (Session session = main.session()) {
            ClientConfig config = session.config();
            SchemaVersion version;
            try {
                version = backupVersion == null ? SchemaVersion.DEFAULT : SchemaVersion.ofMajor(backupVersion);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage(), ExitCodes.USAGE);
            }
            int n = threads != null ? threads : config.threads().orElse(BackupOptions.defaultThreads());
            if (n < 1 || n > 1024) {
                throw new UserError("--threads must be between 1 and 1024, not " + n + " (see obnam backup --help)", ExitCodes.USAGE);
            }
            for (String root : config.roots()) {
                if (!java.nio.file.Files.exists(java.nio.file.Path.of(root), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    throw new UserError("backup root " + root + " does not exist");
                }
            }
            Repository repo = session.repository();
            BackupOptions options = new BackupOptions(config.roots(), config.chunkSize(),
                    config.excludeCacheTagDirectories(), version, n, Session.scratch(),
                    Session.generationCache());
            Progress progress = ProgressLine.forTerminal("backing up");
            BackupOutcome outcome;
            try {
                outcome = BackupRun.run(repo, options, progress,
                        w -> ProgressLine.printAbove(progress, "obnam: warning: " + w));
            } finally {
                ProgressLine.finish(progress);
            }
            for (String w : outcome.warnings()) {
                Output.line("warning: " + w);
            }
            if (!outcome.newCachedirTags().isEmpty()) {
                Output.line("New CACHEDIR.TAG files since the last backup:");
                for (RawPath t : outcome.newCachedirTags()) {
                    Output.line("- " + t);
                }
                Output.line("You can configure Obnam to ignore all such files by setting `exclude_cache_tag_directories` to `false`.");
            }
            var s = outcome.stats();
            Output.line("status: " + (outcome.complete() ? "OK" : "INCOMPLETE"));
            Output.line("warnings: " + outcome.warnings().size());
            Output.line("duration: " + ProgressLine.decimal((System.nanoTime() - start) / 1e9, 2));
            Output.line("file-count: " + outcome.fileCount());
            Output.line("file-bytes: " + outcome.fileBytes());
            Output.line("files-read: " + s.filesRead() + ", files-unchanged: " + s.filesUnchanged());
            Output.line("new-chunks: " + s.chunksStored() + " (" + ProgressLine.human(s.bytesStored()) + " before compression, "
                    + ProgressLine.human(s.bytesUploaded()) + " stored), reused-chunks: " + s.chunksDeduplicated());
            Output.line("generation-id: " + outcome.generation().id());
            if (!outcome.complete()) {
                int problems = outcome.warnings().size() + outcome.newCachedirTags().size();
                throw new UserError("backup " + outcome.generation().id() + " was made but is incomplete: " + problems
                        + " problem" + (problems == 1 ? "" : "s") + " (see above)", ExitCodes.INCOMPLETE);
            }
            return ExitCodes.OK;
        }
    }
}
