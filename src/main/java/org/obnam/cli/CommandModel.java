package org.obnam.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Builds picocli's model of a command by calls rather than from annotations. Reading annotations
 * costs every run of obnam the generation of a proxy class per annotation type and reflection over
 * every field, in the interpreter: 100 to 170 ms of the main thread before a command starts
 * (`-Xlog:class+load`), more than the rest of an unchanged re-run of a backup. The values parsed
 * stay in the option and parameter specs, where the commands read them.
 */
final class CommandModel {
    private CommandModel() {
    }

    /** The model of a command that picocli runs by calling {@code command} (Runnable or Callable). */
    static CommandSpec command(Object command, String name, String... description) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command).name(name);
        spec.usageMessage().description(description);
        return spec;
    }

    /** An option taking one value of {@code type}. */
    static OptionSpec option(String name, String paramLabel, Class<?> type, String description) {
        return OptionSpec.builder(name).paramLabel(paramLabel).type(type).description(description).build();
    }

    /** An option without a value: on when given. */
    static OptionSpec flag(String name, String description) {
        return OptionSpec.builder(name).type(boolean.class).initialValue(false).description(description).build();
    }

    /** A required positional parameter, the {@code index}th (from 0). */
    static PositionalParamSpec parameter(int index, String paramLabel, Class<?> type, String... description) {
        return PositionalParamSpec.builder().index(Integer.toString(index)).required(true).paramLabel(paramLabel).type(type)
                .description(description).build();
    }

    /** A generation as an optional positional parameter, "latest" when not given. */
    static PositionalParamSpec optionalGeneration(String... description) {
        return PositionalParamSpec.builder().index("0").arity("0..1").defaultValue("latest").paramLabel("GEN")
                .type(String.class).description(description).build();
    }

    static boolean isOn(OptionSpec flag) {
        return Boolean.TRUE.equals(flag.getValue());
    }
}
