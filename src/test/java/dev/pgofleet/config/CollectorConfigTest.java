package dev.pgofleet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CollectorConfigTest {
    @TempDir
    Path tmp;

    @Test
    void defaultsAreTheOriginalCollectors() throws Exception {
        CollectorConfig c = CollectorConfig.fromEnv(Map.of());
        assertThat(c.bindAddress()).isEqualTo(new BindAddress("127.0.0.1", 8080));
        assertThat(c.directory()).isEqualTo(Path.of("./profiles"));
        assertThat(c.submitKeysFile()).isEqualTo(Path.of("/secret/submit_keys"));
        assertThat(c.mergeKeysFile()).isEqualTo(Path.of("/secret/merge_keys"));
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.maxBodyBytes()).isEqualTo(16L << 20);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "127.0.0.1:8080|127.0.0.1|8080",
        ":8080||8080",
        "[::1]:9000|::1|9000",
        "localhost:0|localhost|0"})
    void bindAddressForms(String text, String host, int port) {
        assertThat(BindAddress.parse(text)).isEqualTo(new BindAddress(host == null ? "" : host, port));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "PGOF_BIND_ADDRESS|8080|PGOF_BIND_ADDRESS=8080 is invalid",
        "PGOF_BIND_ADDRESS|::1:80|PGOF_BIND_ADDRESS=::1:80 is invalid: an IPv6 address must be written in brackets",
        "PGOF_BIND_ADDRESS|host:99999|port 99999 is out of range",
        "PGOF_MAX_BODY_BYTES|lots|PGOF_MAX_BODY_BYTES=lots is invalid",
        "PGOF_WORKER_THREADS|0|PGOF_WORKER_THREADS=0 is invalid: must be a positive whole number",
        "PGOF_REQUEST_TIMEOUT|10|PGOF_REQUEST_TIMEOUT=10 is invalid",
        "PGOF_IDLE_TIMEOUT|5 minutes|PGOF_IDLE_TIMEOUT=5 minutes is invalid",
        "PGOF_RETENTION|a month|PGOF_RETENTION=a month is invalid",
        "PGOF_RETENTION|0|PGOF_RETENTION=0 is invalid: must be positive",
        "PGOF_MAX_STORE_BYTES|-5|PGOF_MAX_STORE_BYTES=-5 is invalid: must be a positive whole number",
        "PGOF_MAX_COMPACTION_LAG|-1|PGOF_MAX_COMPACTION_LAG=-1 is invalid: must be 0 or a positive whole number",
        "PGOF_COMPACT_INTERVAL|often|PGOF_COMPACT_INTERVAL=often is invalid"})
    void badValuesNameTheVariableAndTheValue(String variable, String value, String message) {
        assertThatThrownBy(() -> CollectorConfig.fromEnv(Map.of(variable, value)))
                .isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @Test
    void rollupSettingsDefaultToKeepingEverything() throws Exception {
        CollectorConfig c = CollectorConfig.fromEnv(Map.of());
        assertThat(c.retention()).isNull();
        assertThat(c.maxStoreBytes()).isZero();
        assertThat(c.maxCompactionLag()).isEqualTo(20_000);
        assertThat(c.compactInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(CollectorConfig.fromEnv(Map.of("PGOF_RETENTION", "30d")).retention()).isEqualTo(Duration.ofDays(30));
    }

    @Test
    void goDurations() {
        assertThat(GoDuration.parse("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(GoDuration.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(GoDuration.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(GoDuration.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(GoDuration.parse("30d")).isEqualTo(Duration.ofDays(30));
        assertThatThrownBy(() -> GoDuration.parse("5")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GoDuration.parse("m5")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keyFilesTrimAndIgnoreBlankLinesAndCompareWholeKeys() throws Exception {
        Path f = Files.writeString(tmp.resolve("keys"), "\n  alpha  \n\nbeta\n");
        KeyRing ring = KeyRing.load("PGOF_SUBMIT_AUTH_KEYS_FILE", f);
        assertThat(ring.size()).isEqualTo(2);
        assertThat(ring.accepts("alpha")).isTrue();
        assertThat(ring.accepts("beta")).isTrue();
        assertThat(ring.accepts("alph")).isFalse();
        assertThat(ring.accepts("alpha ")).isFalse();
        assertThat(ring.accepts("")).isFalse();
    }

    @Test
    void missingOrEmptyKeyFilesNameTheVariableAndThePath() throws Exception {
        Path missing = tmp.resolve("nope");
        assertThatThrownBy(() -> KeyRing.load("PGOF_MERGE_AUTH_KEYS_FILE", missing))
                .hasMessage("PGOF_MERGE_AUTH_KEYS_FILE=" + missing + ": file does not exist");
        Path empty = Files.writeString(tmp.resolve("empty"), "\n   \n");
        assertThatThrownBy(() -> KeyRing.load("PGOF_SUBMIT_AUTH_KEYS_FILE", empty))
                .hasMessageContaining("PGOF_SUBMIT_AUTH_KEYS_FILE=" + empty).hasMessageContaining("no keys");
    }
}
