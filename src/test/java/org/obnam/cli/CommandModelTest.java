package org.obnam.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The commands' model is built by calls, not read from annotations (see CommandModel), so nothing
 * but these checks ties a command's name, its parameters' arity and its options' types together;
 * the acceptance tests run the commands themselves.
 */
class CommandModelTest {
    private static CommandLine parsed(String... args) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main.spec());
        cl.addSubcommand(args[0], Main.COMMANDS.get(args[0]).apply(main));
        cl.parseArgs(args);
        return cl.getSubcommands().get(args[0]);
    }

    @Test
    void everyCommandIsRegisteredUnderTheNameItsModelHas() {
        Main main = new Main();
        assertThat(Main.COMMANDS).hasSize(17);
        Main.COMMANDS.forEach((name, spec) -> assertThat(spec.apply(main).name()).isEqualTo(name));
    }

    @Test
    void optionsAndParametersParseIntoTheirTypes() {
        CommandSpec backup = parsed("backup", "--threads", "3", "--backup-version", "1").getCommandSpec();
        assertThat((Integer) backup.findOption("--threads").getValue()).isEqualTo(3);
        assertThat((Integer) backup.findOption("--backup-version").getValue()).isEqualTo(1);
        CommandSpec chunkify = parsed("chunkify", "a", "b").getCommandSpec();
        List<Path> files = chunkify.positionalParameters().get(0).getValue();
        assertThat(files).containsExactly(Path.of("a"), Path.of("b"));
        CommandSpec check = parsed("check", "--read-data").getCommandSpec();
        assertThat(CommandModel.isOn(check.findOption("--read-data"))).isTrue();
        assertThat(CommandModel.isOn(parsed("check").getCommandSpec().findOption("--read-data"))).isFalse();
    }

    @Test
    void aGenerationNotGivenIsTheLatestWhereItIsOptionalAndMissingWhereItIsNot() {
        PositionalParamSpec listed = parsed("list-files").getCommandSpec().positionalParameters().get(0);
        assertThat((String) listed.getValue()).isEqualTo("latest");
        assertThatThrownBy(() -> parsed("restore", "latest")).isInstanceOf(CommandLine.MissingParameterException.class)
                .hasMessageContaining("'DIR'");
        assertThatThrownBy(() -> parsed("chunkify")).isInstanceOf(CommandLine.MissingParameterException.class)
                .hasMessageContaining("'FILE'");
    }

    @Test
    void aValueOfTheWrongTypeIsAUsageError() {
        assertThatThrownBy(() -> parsed("backup", "--threads", "many"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--threads");
    }
}
