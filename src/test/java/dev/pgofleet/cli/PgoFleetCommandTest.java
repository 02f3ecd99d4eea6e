package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/** A command line built for one subcommand behaves as the full one does for it. */
class PgoFleetCommandTest {
    @ParameterizedTest
    @ValueSource(strings = {"collector", "quickstart", "merge-files", "submit", "fetch", "agent", "top"})
    void oneSubcommandHasTheSameHelpAsInTheFullCommandLine(String name) {
        CommandLine alone = PgoFleetCommand.commandLine(name);
        assertThat(alone.getSubcommands()).containsOnlyKeys(name);
        assertThat(alone.getSubcommands().get(name).getUsageMessage())
                .isEqualTo(PgoFleetCommand.commandLine().getSubcommands().get(name).getUsageMessage())
                .contains("Usage: pgo-fleet " + name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"help", "--help", "nope", ""})
    void anythingElseGetsEverySubcommand(String firstArg) {
        assertThat(PgoFleetCommand.commandLine(firstArg).getSubcommands())
                .containsOnlyKeys("collector", "quickstart", "merge-files", "submit", "fetch", "agent", "inspect", "top", "help");
    }

    /**
     * Picocli renders each help text with String.format; one it cannot format (a lone '%') prints a
     * WARN line on stderr and is shown raw. Every text of every command formats.
     */
    @Test
    void everyHelpTextFormats() {
        CommandLine root = PgoFleetCommand.commandLine();
        List<CommandSpec> specs = new ArrayList<>(List.of(root.getCommandSpec()));
        root.getSubcommands().values().forEach(c -> specs.add(c.getCommandSpec()));
        assertThat(specs).hasSizeGreaterThan(9);
        for (CommandSpec spec : specs) {
            List<String> texts = new ArrayList<>();
            texts.addAll(List.of(spec.usageMessage().description()));
            texts.addAll(List.of(spec.usageMessage().header()));
            texts.addAll(List.of(spec.usageMessage().footer()));
            for (ArgSpec arg : spec.args()) {
                texts.addAll(List.of(arg.description()));
            }
            for (String text : texts) {
                assertThatCode(() -> String.format(text)).as(spec.qualifiedName() + ": " + text).doesNotThrowAnyException();
            }
        }
    }
}
