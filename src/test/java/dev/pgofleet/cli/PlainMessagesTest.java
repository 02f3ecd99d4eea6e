package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgofleet.config.CollectorConfig;
import dev.pgofleet.config.ConfigException;
import dev.pgofleet.config.LogSettings;
import dev.pgofleet.testing.TestData;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every message a user can cause with a bad option or variable is one plain line naming the
 * option or variable and what is expected: never a Java class name or a stack trace.
 */
class PlainMessagesTest {
    /** What a Java internal looks like in a message: a class name, a package, a stack frame. */
    private static final Pattern JAVA = Pattern.compile("Exception|java\\.|javax\\.|picocli|\\tat |NumberFormat|For input string");

    @TempDir
    Path tmp;
    Path key;
    String refused;

    @BeforeEach
    void setUp() throws IOException {
        key = Files.writeString(tmp.resolve("key"), "k\n");
        Files.writeString(tmp.resolve("nbsp-key"), "\uFEFFab\u00A0cd\n");
        try (ServerSocket s = new ServerSocket(0)) {
            refused = "http://127.0.0.1:" + s.getLocalPort(); // closed: connection refused
        }
    }

    /** args (| separated; KEY, PROFILE, REFUSED, TMP replaced), exit code, a fragment of the first line. */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "submit|--url|127.0.0.1:8080|--key-file|KEY|PROFILE; 2; --url",
        "submit|--url|http://[oops|--key-file|KEY|PROFILE; 2; --url",
        "submit|--url|ftp://host/|--key-file|KEY|PROFILE; 2; --url",
        "submit|--url|http://h:8080/v1/submit?x=1|--key-file|KEY|PROFILE; 2; --url",
        "submit|--url|http://h:8080|--key-file|KEY|--backoff|5|PROFILE; 2; --backoff",
        "submit|--url|http://h:8080|--key-file|KEY|--backoff|0s|PROFILE; 2; --backoff must be at least 1ms",
        "submit|--url|http://h:8080|--key-file|KEY|--retries|lots|PROFILE; 2; --retries",
        "submit|--url|http://h:8080|--key-file|KEY|--retries|0|PROFILE; 2; --retries must be at least 1",
        "submit|--url|http://h:8080|--key-file|TMP/none|PROFILE; 2; --key-file",
        "submit|--url|http://h:8080|--key-file|TMP/nbsp-key|PROFILE; 2; nbsp-key line 1: the key holds a space (U+00A0)",
        "submit|--url|REFUSED|--key-file|KEY|--retries|1|PROFILE; 4; connection refused",
        "submit|--url|http://no-such-host.invalid:8080|--key-file|KEY|--retries|1|PROFILE; 4; host cannot be resolved",
        "submit|--url|http://h:8080|--key-file|KEY|TMP/missing.pprof; 3; missing.pprof: no such file or directory",
        "fetch|--url|http://h:8080|--key-file|KEY|--since|3x; 2; --since",
        "fetch|--url|http://h:8080|--key-file|KEY|--since|2026-13-01T00:00:00Z; 2; --since",
        "fetch|--url|http://h:8080|--key-file|KEY|-o|TMP/missing-dir/x.pgo; 1; missing-dir does not exist",
        "fetch|--url|REFUSED|--key-file|KEY|--retries|1|-o|TMP/x.pgo; 4; connection refused",
        "agent|--url|http://h:8080|--key-file|KEY|--target|localhost:16060; 2; --target",
        "agent|--url|http://h:8080|--key-file|KEY|--target|http://h:6060|--duration|1.5s; 2; --duration must be a whole number of seconds",
        "agent|--url|http://h:8080|--key-file|KEY|--target|http://h:6060|--duration|0.5s; 2; --duration",
        "agent|--url|http://h:8080|--key-file|KEY|--target|http://h:6060|--interval|soon; 2; --interval",
        "agent|--url|http://h:8080|--key-file|KEY|--target|http://h:6060|--interval|0s; 2; --interval must be at least 1ms",
        "agent|--url|http://h:8080|--key-file|KEY|--target|http://h:6060|--backlog|0; 2; --backlog",
        "agent|--url|http://h:8080|--key-file|KEY|--target|http://h:6060|--cycles|-1; 2; --cycles",
        "merge-files|-o|TMP/out.pgo|TMP/missing.pprof; 1; missing.pprof",
        "merge-files|--strip-labels; 2; -o",
        "top|--url|http://h:8080|--key-file|KEY|--since|3x; 2; --since",
        "inspect|--max-decompressed-bytes|4294967296|PROFILE; 2; --max-decompressed-bytes=4294967296",
        "inspect|--top|-1|PROFILE; 2; --top=-1",
        "quickstart|--keys-dir|KEY; 1; KEY",
        "nope; 2; nope"})
    void badOptionsGiveOnePlainLine(String args, int exit, String fragment) {
        String[] argv = args.split("\\|");
        for (int i = 0; i < argv.length; i++) {
            argv[i] = argv[i].replace("KEY", key.toString()).replace("PROFILE", TestData.path("profiles/fleet/inst001.pprof").toString())
                    .replace("REFUSED", refused).replace("TMP", tmp.toString());
        }
        CliRun r = CliRun.of(argv);
        String all = r.out() + r.err();
        assertThat(r.exit()).as(all).isEqualTo(exit);
        assertThat(all).doesNotContainPattern(JAVA);
        List<String> lines = r.err().lines().filter(l -> !l.startsWith("Try '") && !l.contains("retrying in")).toList();
        assertThat(lines).as(all).hasSize(1);
        assertThat(lines.get(0)).contains(fragment.replace("KEY", key.toString()));
    }

    /** Each variable with values a user may write by mistake: the message names it and the value. */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "PGOF_BIND_ADDRESS; 8080|::1:80|host:99999|host:http|[::1:80|no-such-host.invalid:80",
        "PGOF_MAX_BODY_BYTES; 16m x|lots|-1|0|1e6|99999999999999999999|16 MiBs|1.5MiB",
        "PGOF_MAX_DECOMPRESSED_BYTES; 3GiB|x|0",
        "PGOF_WORKER_THREADS; 4294967297|0|-3|two|1.5|99999999999999999999",
        "PGOF_WORKER_QUEUE; 0|100001|x",
        "PGOF_IO_THREADS; 0|5000|x",
        "PGOF_TRANSPORT; kqueue|io_uring|x",
        "PGOF_MAX_INFLIGHT_BYTES; 1|x|1KiB",
        "PGOF_REQUEST_TIMEOUT; 10|1ns|-1s|1.5|forever|300000000h",
        "PGOF_IDLE_TIMEOUT; 1ns|999us|5 minutes",
        "PGOF_RETRY_AFTER; 1000000h|25h|0|x",
        "PGOF_SHUTDOWN_TIMEOUT; 0|x",
        "PGOF_METRICS; maybe",
        "PGOF_KEY_RELOAD_INTERVAL; 0|x|1ns",
        "PGOF_COMPACT_INTERVAL; often",
        "PGOF_RETENTION; a month|0|-1h",
        "PGOF_MAX_STORE_BYTES; -5|0|x",
        "PGOF_MAX_COMPACTION_LAG; -1|x|99999999999999999999",
        "PGOF_LOG_LEVEL; bogus|verbose",
        "PGOF_LOG_FORMAT; JSONN|xml",
        "PGOF_PGO_EXCLUDE; a(|[x",
        "PGOF_MAX_SERVICES; 0|-1|x|1000001|99999999999999999999",
        "PGOF_STORAGE; disk|gs://bucket|s3:/bucket|s3://x|s3://Bad_Bucket/p",
        "PGOF_S3_ENDPOINT; minio:9000|ftp://host|http://",
        "PGOF_S3_REGION; EU West|eu_west_1",
        "PGOF_S3_PATH_STYLE; maybe",
        "PGOF_S3_SETTLE; 0|x",
        "PGOF_COMPACTOR; sometimes"})
    void badVariablesNameTheVariableAndTheValue(String variable, String values) {
        for (String value : values.split("\\|")) {
            Map<String, String> env = Map.of(variable, value);
            assertThatThrownBy(() -> {
                LogSettings.fromEnv(env);
                CollectorConfig.fromEnv(env);
            }).as(variable + "=" + value).isInstanceOf(ConfigException.class)
                    .message().startsWith(variable + "=" + value.trim() + " ").doesNotContainPattern(JAVA).doesNotContain("\n");
        }
    }

    @Test
    void everyVariableIsInTheBadValueTable() throws Exception {
        String table = Files.readString(Path.of("src/test/java/dev/pgofleet/cli/PlainMessagesTest.java"));
        for (CollectorConfig.Setting s : CollectorConfig.VARIABLES) {
            if (!List.of(CollectorConfig.DIRECTORY, CollectorConfig.SUBMIT_KEYS, CollectorConfig.MERGE_KEYS).contains(s.name())) {
                assertThat(table).as(s.name()).contains("\"" + s.name() + "; ");
            }
        }
    }
}
