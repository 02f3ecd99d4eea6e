package dev.pgofleet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** PGOF_PGO_EXCLUDE: patterns separated by spaces, validated at start. */
class PgoExcludeConfigTest {
    @Test
    void unsetMeansNoneAndSpacesSeparatePatterns() throws Exception {
        assertThat(CollectorConfig.fromEnv(Map.of()).pgoExclude().isEmpty()).isTrue();
        assertThat(CollectorConfig.fromEnv(Map.of("PGOF_PGO_EXCLUDE", " ^runtime\\.gopark$\n grpc\\.\\(\\*Server\\) "))
                .pgoExclude().patterns()).containsExactly("^runtime\\.gopark$", "grpc\\.\\(\\*Server\\)");
    }

    @Test
    void aBadPatternStopsTheStartNamingTheVariableAndThePattern() {
        assertThatThrownBy(() -> CollectorConfig.fromEnv(Map.of("PGOF_PGO_EXCLUDE", "ok runtime.(gopark")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("PGOF_PGO_EXCLUDE=ok runtime.(gopark is invalid: invalid pattern runtime.(gopark: ");
    }
}
