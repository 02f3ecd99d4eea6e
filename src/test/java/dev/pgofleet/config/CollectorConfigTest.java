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
        assertThat(c.transport()).isEqualTo(NetworkTransport.AUTO);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"auto|AUTO", "EPOLL|EPOLL", "' nio '|NIO", "Nio|NIO"})
    void transportNamesIgnoreCase(String value, NetworkTransport expected) throws Exception {
        assertThat(CollectorConfig.fromEnv(Map.of("PGOF_TRANSPORT", value)).transport()).isEqualTo(expected);
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
        "PGOF_WORKER_THREADS|0|PGOF_WORKER_THREADS=0 is invalid: must be a whole number from 1 to 4096",
        "PGOF_REQUEST_TIMEOUT|10|PGOF_REQUEST_TIMEOUT=10 is invalid",
        "PGOF_IDLE_TIMEOUT|5 minutes|PGOF_IDLE_TIMEOUT=5 minutes is invalid",
        "PGOF_RETENTION|a month|PGOF_RETENTION=a month is invalid",
        "PGOF_RETENTION|0|PGOF_RETENTION=0 is invalid: must be at least 1ms",
        "PGOF_MAX_STORE_BYTES|-5|PGOF_MAX_STORE_BYTES=-5 is invalid: expected a number of bytes such as 16777216, 16MiB",
        "PGOF_MAX_STORE_BYTES|0|PGOF_MAX_STORE_BYTES=0 is invalid: must be a positive size",
        "PGOF_MAX_BODY_BYTES|16x|PGOF_MAX_BODY_BYTES=16x is invalid: expected a number of bytes",
        "PGOF_MAX_BODY_BYTES|99999999999999999999|PGOF_MAX_BODY_BYTES=99999999999999999999 is invalid: too large",
        "PGOF_MAX_BODY_BYTES|9000000TiB|PGOF_MAX_BODY_BYTES=9000000TiB is invalid: too large",
        "PGOF_MAX_DECOMPRESSED_BYTES|3GiB|PGOF_MAX_DECOMPRESSED_BYTES=3GiB is too large: at most 2 GiB",
        "PGOF_WORKER_THREADS|4294967297|PGOF_WORKER_THREADS=4294967297 is invalid: must be a whole number from 1 to 4096",
        "PGOF_WORKER_QUEUE|99999999999999999999|PGOF_WORKER_QUEUE=99999999999999999999 is invalid: too large: at most 100000",
        "PGOF_IO_THREADS|-1|PGOF_IO_THREADS=-1 is invalid: must be a whole number from 1 to 4096",
        "PGOF_IO_THREADS|2.5|PGOF_IO_THREADS=2.5 is invalid: expected a whole number",
        "PGOF_IDLE_TIMEOUT|1ns|PGOF_IDLE_TIMEOUT=1ns is invalid: must be at least 1ms",
        "PGOF_IDLE_TIMEOUT|999us|PGOF_IDLE_TIMEOUT=999us is invalid: must be at least 1ms",
        "PGOF_REQUEST_TIMEOUT|-5s|PGOF_REQUEST_TIMEOUT=-5s is invalid: must be at least 1ms",
        "PGOF_SHUTDOWN_TIMEOUT|300000000h|PGOF_SHUTDOWN_TIMEOUT=300000000h is invalid: too long",
        "PGOF_RETRY_AFTER|1000000h|PGOF_RETRY_AFTER=1000000h is invalid: at most 24h",
        "PGOF_RETRY_AFTER|25h|PGOF_RETRY_AFTER=25h is invalid: at most 24h",
        "PGOF_BIND_ADDRESS|no-such-host.invalid:8080|PGOF_BIND_ADDRESS=no-such-host.invalid:8080 is invalid: host 'no-such-host.invalid' cannot be resolved",
        "PGOF_METRICS|maybe|PGOF_METRICS=maybe is invalid: expected on or off",
        "PGOF_TRANSPORT|kqueue|PGOF_TRANSPORT=kqueue is invalid: expected auto, epoll or nio",
        "PGOF_MAX_COMPACTION_LAG|-1|PGOF_MAX_COMPACTION_LAG=-1 is invalid: must be 0 or a positive whole number",
        "PGOF_COMPACT_INTERVAL|often|PGOF_COMPACT_INTERVAL=often is invalid",
        "PGOF_MAX_SERVICES|0|PGOF_MAX_SERVICES=0 is invalid: must be a whole number from 1 to 1000000",
        "PGOF_MAX_SERVICES|many|PGOF_MAX_SERVICES=many is invalid: expected a whole number"})
    void badValuesNameTheVariableAndTheValue(String variable, String value, String message) {
        assertThatThrownBy(() -> CollectorConfig.fromEnv(Map.of(variable, value)))
                .isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @Test
    void sizesTakeUnitsAndRetryAfterRoundsUpToWholeSeconds() throws Exception {
        CollectorConfig c = CollectorConfig.fromEnv(Map.of("PGOF_MAX_BODY_BYTES", "16MiB", "PGOF_MAX_INFLIGHT_BYTES", "1g",
                "PGOF_MAX_STORE_BYTES", "2GB", "PGOF_MAX_DECOMPRESSED_BYTES", "512 KiB", "PGOF_RETRY_AFTER", "1.5s"));
        assertThat(c.maxBodyBytes()).isEqualTo(16L << 20);
        assertThat(c.maxInFlightBytes()).isEqualTo(1L << 30);
        assertThat(c.maxStoreBytes()).isEqualTo(2_000_000_000L);
        assertThat(c.maxDecompressedBytes()).isEqualTo(512L << 10);
        assertThat(c.retryAfterSeconds()).isEqualTo(2);
        assertThat(CollectorConfig.fromEnv(Map.of("PGOF_RETRY_AFTER", "24h")).retryAfterSeconds()).isEqualTo(86_400);
        assertThat(CollectorConfig.fromEnv(Map.of("PGOF_MAX_BODY_BYTES", "16m")).maxBodyBytes()).isEqualTo(16L << 20);
        assertThat(CollectorConfig.fromEnv(Map.of("PGOF_IDLE_TIMEOUT", "1ms")).idleTimeout()).isEqualTo(Duration.ofMillis(1));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "PGOF_LOG_LEVEL|debug|DEBUG|text", "PGOF_LOG_LEVEL|Warning|WARN|text", "PGOF_LOG_FORMAT|JSON|INFO|json",
        "PGOF_LOG_FORMAT| Text |INFO|text"})
    void logSettingsIgnoreCase(String variable, String value, String level, String format) throws Exception {
        assertThat(LogSettings.fromEnv(Map.of(variable, value))).isEqualTo(new LogSettings(level, format));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "PGOF_LOG_LEVEL|bogus|PGOF_LOG_LEVEL=bogus is invalid: expected one of ERROR, WARN, INFO, DEBUG, TRACE (any case)",
        "PGOF_LOG_FORMAT|jsn|PGOF_LOG_FORMAT=jsn is invalid: expected one of text, json (any case)"})
    void badLogSettingsNameTheVariableAndTheValue(String variable, String value, String message) {
        assertThatThrownBy(() -> LogSettings.fromEnv(Map.of(variable, value))).isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    @Test
    void rollupSettingsDefaultToKeepingEverything() throws Exception {
        CollectorConfig c = CollectorConfig.fromEnv(Map.of());
        assertThat(c.retention()).isNull();
        assertThat(c.maxStoreBytes()).isZero();
        assertThat(c.maxCompactionLag()).isEqualTo(20_000);
        assertThat(c.maxServices()).isEqualTo(1000);
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

    /** Expected values are what Go 1.23's time.ParseDuration returns, in nanoseconds. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1.5s|1500000000", "0.5ms|500000", ".5s|500000000", "5.s|5000000000", "1h1.5m|3690000000000",
        "1.000000001s|1000000001", "1.0000000019s|1000000001", "-1.5s|-1500000000", "+2m|120000000000",
        "0|0", "-0|0", "300ms|300000000", "2h45m30.5s|9930500000000", "1us|1000", "1\u00b5s|1000", "1\u03bcs|1000",
        "9223372036854775807ns|9223372036854775807", "1.5d|129600000000000"})
    void goDurationsWithFractionsAsGoReadsThem(String text, long nanos) {
        String s = text.replace("\\u00b5", "\u00b5").replace("\\u03bc", "\u03bc");
        assertThat(GoDuration.parse(s).toNanos()).as(s).isEqualTo(nanos);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"", "s", ".s", "1", "1.2.3s", "1x", "1 s", "1sm", "--1s",
        "9223372036854775808ns", "1e3s", "\u0661s"})
    void goDurationsGoRefuses(String text) {
        String s = text.replace("\\u0661", "\u0661");
        assertThatThrownBy(() -> GoDuration.parse(s)).isInstanceOf(IllegalArgumentException.class)
                .message().doesNotContain("Exception");
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
    void keyFilesTrimUnicodeSpacesAndAByteOrderMark() throws Exception {
        Path f = Files.write(tmp.resolve("keys"), "\uFEFFalpha\u00A0\r\n\u2003beta\t\n\u00A0\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        KeyRing ring = KeyRing.load("PGOF_SUBMIT_AUTH_KEYS_FILE", f);
        assertThat(ring.size()).isEqualTo(2);
        assertThat(ring.accepts("alpha")).isTrue();
        assertThat(ring.accepts("beta")).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ok/al<00A0>pha|2|a space (U+00A0)",
        "caf<00E9>|1|the character U+00E9",
        "two<000B>words|1|a space (U+000B)",
        "ok//bell<0007>|3|the character U+0007"})
    void aKeyThatCannotBeSentInAHeaderIsRefusedNamingTheFileAndLine(String content, int line, String what) throws Exception {
        // "/" is a line end, <XXXX> the character U+XXXX
        String text = java.util.regex.Pattern.compile("<([0-9A-F]{4})>").matcher(content.replace("/", "\n"))
                .replaceAll(m -> String.valueOf((char) Integer.parseInt(m.group(1), 16)));
        Path f = Files.writeString(tmp.resolve("keys"), text);
        assertThatThrownBy(() -> KeyRing.load("PGOF_MERGE_AUTH_KEYS_FILE", f)).isInstanceOf(ConfigException.class)
                .hasMessage("PGOF_MERGE_AUTH_KEYS_FILE=" + f + " line " + line + ": the key holds " + what
                        + ", which cannot be sent in an HTTP header; a key is visible ASCII without spaces");
    }

    @Test
    void aKeyFileThatIsNotUtf8IsRefusedNamingTheLine() throws Exception {
        Path f = Files.write(tmp.resolve("keys"), new byte[] {'o', 'k', '\n', 'k', (byte) 0xE9, 'y'});
        assertThatThrownBy(() -> KeyRing.load("PGOF_SUBMIT_AUTH_KEYS_FILE", f))
                .hasMessageContaining("line 2: the key holds bytes that are not UTF-8");
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
