package org.obnam.cli;

import java.util.concurrent.Callable;
import org.obnam.check.CheckReport;
import org.obnam.check.Checker;
import org.obnam.crypto.JitWarmUp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "check", addMethodSubcommands = false, description = {
    "Verify the repository: key record, generation list, every generation and its file list, and that "
            + "every chunk a file needs exists.",
    "With --read-data, also download, decrypt and verify every stored chunk.",
    "Names each damaged object and the files of each generation it affects. Exit code 0 only when all is well."})
final class CheckCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--read-data", description = "Read and verify every chunk (slow: reads the whole repository).")
    boolean readData;

    @Override
    public Integer call() throws Exception {
        if (readData) {
            JitWarmUp.startForReading();
        }
        try (Session session = main.session()) {
            var progress = ProgressLine.forTerminal("checking");
            CheckReport report = new Checker(session.repository(), Session.scratch(),
                    msg -> progress.update(0, 0, () -> msg)).check(readData);
            ProgressLine.finish(progress);
            for (String p : report.problems()) {
                Output.line("damaged: " + p);
            }
            for (String n : report.notes()) {
                Output.line("note: " + n);
            }
            Output.line(report.summary());
            if (!report.ok()) {
                throw new UserError("the repository has " + report.problems().size() + " problem"
                        + (report.problems().size() == 1 ? "" : "s") + " (see above)");
            }
            return ExitCodes.OK;
        }
    }
}
