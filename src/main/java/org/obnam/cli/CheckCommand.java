package org.obnam.cli;

import java.util.concurrent.Callable;
import org.obnam.check.CheckReport;
import org.obnam.check.Checker;
import org.obnam.crypto.JitWarmUp;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

final class CheckCommand implements Callable<Integer> {
    static final String NAME = "check";

    private final Main main;
    private final OptionSpec readDataOption = CommandModel.flag("--read-data",
            "Read and verify every chunk (slow: reads the whole repository).");

    private CheckCommand(Main main) {
        this.main = main;
    }

    static CommandSpec spec(Main main) {
        CheckCommand c = new CheckCommand(main);
        return CommandModel.command(c, NAME,
                "Verify the repository: key record, generation list, every generation and its file list, and that "
                        + "every chunk a file needs exists.",
                "With --read-data, also download, decrypt and verify every stored chunk.",
                "Names each damaged object and the files of each generation it affects. Exit code 0 only when all is well.")
                .addOption(c.readDataOption);
    }

    @Override
    public Integer call() throws Exception {
        boolean readData = CommandModel.isOn(readDataOption);
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
