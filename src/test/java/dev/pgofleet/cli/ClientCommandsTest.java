package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pgofleet.testing.Canonical;
import dev.pgofleet.testing.CollectorProcess;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** submit and fetch against a real collector on a socket. */
class ClientCommandsTest {
    @TempDir
    Path tmp;
    RunningCollector c;
    Path submitKey, mergeKey;

    @BeforeEach
    void start() throws Exception {
        c = RunningCollector.start(tmp.resolve("collector"), Map.of());
        submitKey = Files.writeString(tmp.resolve("submit_key"), RunningCollector.SUBMIT_KEY + "\n");
        mergeKey = Files.writeString(tmp.resolve("merge_key"), "\n" + RunningCollector.MERGE_KEY + "\n");
    }

    @AfterEach
    void stop() throws Exception {
        c.close();
    }

    private String url() {
        return "http://127.0.0.1:" + c.port();
    }

    @Test
    void submitAcceptsThenExitsZero() {
        CliRun r = CliRun.of("submit", "--url", url(), "--key-file", submitKey.toString(),
                TestData.path("profiles/fleet/inst001.pprof").toString(), TestData.path("profiles/fleet/inst002.pprof").toString());
        assertThat(r.exit()).isZero();
        assertThat(r.err()).contains("inst001.pprof: accepted").contains("inst002.pprof: accepted");
        assertThat(c.storedCount()).isEqualTo(2);
    }

    @Test
    void submitTakesTheOriginalsFullSubmitUrlAsWellAsTheBase() {
        CliRun r = CliRun.of("submit", "--url", url() + "/v1/submit", "--key-file", submitKey.toString(),
                TestData.path("profiles/fleet/inst001.pprof").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(c.storedCount()).isEqualTo(1);
    }

    @Test
    void fetchWritesDefaultPgoUnlessToldOtherwiseAsItsHelpSays() {
        var fetch = PgoFleetCommand.commandLine("fetch").getSubcommands().get("fetch");
        assertThat(fetch.getCommandSpec().findOption("-o").required()).isFalse();
        assertThat(fetch.getCommandSpec().findOption("-o").defaultValue()).isEqualTo("default.pgo");
        assertThat(fetch.getUsageMessage()).contains("(default: default.pgo)");
    }

    @Test
    void submitOfARejectedFileExitsThreeWithTheReason() {
        CliRun r = CliRun.of("submit", "--url", url(), "--key-file", submitKey.toString(),
                TestData.path("profiles/noncpu/heap.pprof").toString(), TestData.path("profiles/fleet/inst001.pprof").toString());
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err()).contains("heap.pprof: rejected: HTTP 400 invalid profile: not a CPU profile");
        assertThat(c.storedCount()).as("the other files still go").isEqualTo(1);
    }

    @Test
    void submitToAnUnreachableCollectorExitsFourAfterRetries() throws Exception {
        int closed = CollectorProcess.freePort();
        CliRun r = CliRun.of("submit", "--url", "http://127.0.0.1:" + closed, "--key-file", submitKey.toString(),
                "--retries", "3", "--backoff", "10ms", TestData.path("profiles/fleet/inst001.pprof").toString());
        assertThat(r.exit()).isEqualTo(4);
        assertThat(r.err()).contains("attempt 2 of 3").contains("attempt 3 of 3").contains("unreachable");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(CliRun.of("submit", "--url", url(), "x.pprof").exit()).as("no key").isEqualTo(2);
        assertThat(CliRun.of("submit", "--url", url(), "--key-file", submitKey.toString()).exit()).as("no file").isEqualTo(2);
        CliRun badDuration = CliRun.of("agent", "--url", url(), "--key-file", submitKey.toString(), "--target",
                "http://127.0.0.1:1", "--interval", "soon");
        assertThat(badDuration.exit()).isEqualTo(2);
        assertThat(badDuration.err()).contains("--interval");
    }

    @Test
    void fetchWritesAtomicallyThenLeavesAnUnchangedFileUntouched() throws Exception {
        c.submit(TestData.bytes("profiles/fleet/inst001.pprof"));
        Path out = tmp.resolve("default.pgo");
        CliRun first = CliRun.of("fetch", "--url", url(), "--key-file", mergeKey.toString(), "-o", out.toString());
        assertThat(first.exit()).isZero();
        assertThat(first.err()).contains("wrote").contains("samples");
        assertThat(Canonical.of(Files.readAllBytes(out))).isEqualTo(Canonical.of(TestData.bytes("profiles/fleet/inst001.pprof")));
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(out, old);
        CliRun again = CliRun.of("fetch", "--url", url(), "--key-file", mergeKey.toString(), "-o", out.toString());
        assertThat(again.exit()).isZero();
        assertThat(again.err()).contains("unchanged");
        assertThat(Files.getLastModifiedTime(out)).isEqualTo(old);
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void aFileThatCannotBeReadOrWrittenIsOneLineAndExitCode1() throws Exception {
        c.submit(TestData.bytes("profiles/fleet/inst001.pprof"));
        Path underAFile = Files.writeString(tmp.resolve("a-file"), "x").resolve("default.pgo");
        Path inProc = Path.of("/proc/self/default.pgo"); // not there to read, and no file can be made there, even by root
        for (Path out : new Path[] {underAFile, inProc}) {
            CliRun r = CliRun.of("fetch", "--url", url(), "--key-file", mergeKey.toString(), "-o", out.toString());
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).startsWith("error: cannot write " + out + ": ")
                    .doesNotContain("\tat ").hasLineCount(1);
        }
    }

    @Test
    void fetchWithStripLabelsAndSince() throws Exception {
        c.submit(TestData.bytes("profiles/fleet/inst002.pprof"));
        Path out = tmp.resolve("default.pgo");
        assertThat(CliRun.of("fetch", "--url", url(), "--key-file", mergeKey.toString(), "-o", out.toString(),
                "--since", "1h", "--strip-labels").exit()).isZero();
        assertThat(Canonical.of(Files.readAllBytes(out))).doesNotContain("endpoint=");
        CliRun future = CliRun.of("fetch", "--url", url(), "--key-file", mergeKey.toString(), "-o",
                tmp.resolve("none.pgo").toString(), "--since", "2099-01-01T00:00:00Z");
        assertThat(future.exit()).isEqualTo(3);
        assertThat(future.err()).contains("HTTP 404");
    }

    @Test
    void fetchRefusesAnAnswerThatIsNotAProfileAndKeepsTheFile() throws Exception {
        HttpServer fake = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        fake.createContext("/v1/merge", ex -> {
            byte[] junk = "<html>proxy error</html>".getBytes();
            ex.sendResponseHeaders(200, junk.length);
            ex.getResponseBody().write(junk);
            ex.close();
        });
        fake.start();
        try {
            Path out = Files.write(tmp.resolve("default.pgo"), TestData.bytes("profiles/fleet/inst001.pprof"));
            CliRun r = CliRun.of("fetch", "--url", "http://127.0.0.1:" + fake.getAddress().getPort(), "--key-file",
                    mergeKey.toString(), "-o", out.toString());
            assertThat(r.exit()).isEqualTo(3);
            assertThat(r.err()).contains("not a CPU profile").contains("left as it was");
            assertThat(Files.readAllBytes(out)).isEqualTo(TestData.bytes("profiles/fleet/inst001.pprof"));
        } finally {
            fake.stop(0);
        }
    }
}
