package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.config.CollectorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** collector --help and the README list the same variables, from CollectorConfig.VARIABLES. */
class CollectorHelpTest {
    @Test
    void helpIsOneCleanTableOfEveryVariable() {
        String help = PgoFleetCommand.commandLine("collector").getSubcommands().get("collector").getUsageMessage();
        for (CollectorConfig.Setting s : CollectorConfig.VARIABLES) {
            assertThat(help).containsPattern("(?m)^  " + s.name() + " +" + java.util.regex.Pattern.quote(s.dflt()) + "  ");
        }
        assertThat(help).contains("PGOF_LOG_LEVEL", "PGOF_LOG_FORMAT").doesNotContain("(default:", "`");
        assertThat(help.lines()).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(120));
    }

    @Test
    void theReadmeTableIsTheOneTheHelpComesFrom() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        assertThat(readme).contains(CollectorCommand.markdownTable(CollectorConfig.VARIABLES))
                .contains(CollectorCommand.FORMATS);
    }
}
