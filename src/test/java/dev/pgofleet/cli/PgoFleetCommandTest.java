package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

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
}
