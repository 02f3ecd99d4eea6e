package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import java.util.ArrayList;
import java.util.List;
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

    /** Picocli formats help text with String.format: a lone '%' prints a warning instead of the help. */
    @ParameterizedTest
    @ValueSource(strings = {"collector", "quickstart", "merge-files", "submit", "fetch", "agent", "inspect", "top"})
    void everyHelpTextFormatsWithoutAWarning(String name) {
        CommandSpec spec = PgoFleetCommand.commandLine().getSubcommands().get(name).getCommandSpec();
        List<String> texts = new ArrayList<>();
        texts.addAll(List.of(spec.usageMessage().description()));
        texts.addAll(List.of(spec.usageMessage().header()));
        texts.addAll(List.of(spec.usageMessage().footer()));
        for (ArgSpec arg : spec.args()) {
            texts.addAll(List.of(arg.description()));
        }
        assertThat(texts).isNotEmpty();
        for (String text : texts) {
            assertThatCode(() -> String.format(text)).as(name + ": " + text).doesNotThrowAnyException();
        }
    }
}
