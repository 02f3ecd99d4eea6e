package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pgofleet.testing.GoToolchain;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code pgo-fleet top}: the table go tool pprof -top prints, for a file and for the collector's merge. */
class TopCommandTest {
    @TempDir
    Path tmp;

    /** go tool pprof's lines from "Showing nodes" on. */
    static List<String> pprofTable(String out) {
        List<String> lines = Arrays.asList(out.split("\n"));
        int from = 0;
        while (!lines.get(from).startsWith("Showing nodes")) {
            from++;
        }
        return lines.subList(from, lines.size());
    }

    @ParameterizedTest
    @CsvSource({"golden/fleet-24.pprof,20,", "golden/mixed-binaries.pprof,15,--cum", "golden/single.pprof,0,",
            "profiles/std/regexp.pprof,40,", "golden/fleet-24.pprof,0,--cum", "profiles/compiler/nethttp.pprof,60,"})
    void printsWhatGoToolPprofTopPrints(String file, int n, String cum) {
        GoToolchain go = GoToolchain.require(tmp);
        String path = TestData.path(file).toString();
        String theirs = go.run(tmp, 120, cum == null
                ? new String[] {"tool", "pprof", "-top", "-sample_index=cpu", "-nodecount=" + n, "-symbolize=none", path}
                : new String[] {"tool", "pprof", "-top", "-cum", "-sample_index=cpu", "-nodecount=" + n, "-symbolize=none", path});
        CliRun ours = cum == null ? CliRun.of("top", "-n", Integer.toString(n), path) : CliRun.of("top", "-n", Integer.toString(n), "--cum", path);
        assertThat(ours.exit()).as(ours.err()).isZero();
        assertThat(Arrays.asList(ours.out().split("\n"))).containsExactlyElementsOf(pprofTable(theirs));
    }

    @Test
    void theCollectorsMergeEqualsTheFileItServes() throws Exception {
        RunningCollector c = RunningCollector.start(tmp.resolve("c"), Map.of());
        try {
            Path key = Files.writeString(tmp.resolve("merge_key"), RunningCollector.MERGE_KEY + "\n");
            String url = "http://127.0.0.1:" + c.port();
            CliRun empty = CliRun.of("top", "--url", url, "--key-file", key.toString());
            assertThat(empty.exit()).isEqualTo(3);
            assertThat(empty.err()).contains("HTTP 404: no profiles stored yet");
            for (Path f : TestData.fleet().subList(0, 5)) {
                assertThat(c.submit(Files.readAllBytes(f)).statusCode()).isEqualTo(204);
            }
            Path merged = Files.write(tmp.resolve("default.pgo"), c.merge("").body());
            CliRun remote = CliRun.of("top", "--url", url, "--key-file", key.toString(), "-n", "7", "--since", "1h");
            assertThat(remote.exit()).as(remote.err()).isZero();
            assertThat(remote.out()).isEqualTo(CliRun.of("top", "-n", "7", merged.toString()).out());
            assertThat(remote.out().split("\n")).hasSize(11).contains("Showing top 7 nodes out of 256");
            CliRun soon = CliRun.of("top", "--url", url, "--key-file", key.toString(), "--since", "soon");
            assertThat(soon.exit()).as("checked before any request").isEqualTo(2);
            assertThat(soon.err()).contains("--since", "'soon'");
            CliRun badService = CliRun.of("top", "--url", url, "--key-file", key.toString(), "--service", "Billing");
            assertThat(badService.exit()).as("checked before any request").isEqualTo(2);
            assertThat(badService.err()).contains("'Billing' is not a service name");
        } finally {
            c.close();
        }
    }

    @Test
    void usageAndBadFiles() throws Exception {
        assertThat(CliRun.of("top").exit()).isEqualTo(2);
        assertThat(CliRun.of("top", "a.pprof", "--url", "http://127.0.0.1:1").exit()).isEqualTo(2);
        assertThat(CliRun.of("top", "-n", "-1", "a.pprof").exit()).isEqualTo(2);
        CliRun missing = CliRun.of("top", tmp.resolve("missing.pprof").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err().trim()).doesNotContain("Exception").hasLineCount(1);
        CliRun heap = CliRun.of("top", TestData.path("profiles/noncpu/heap.pprof").toString());
        assertThat(heap.exit()).isEqualTo(1);
        assertThat(heap.err()).contains("not a CPU profile").doesNotContain("Exception");
    }

    /** top --url takes fetch's client options and retries a 503 after its Retry-After, as fetch does. */
    @Test
    void aCollectorShedding503IsRetriedAsFetchRetriesIt() throws Exception {
        Path profile = TestData.path("profiles/fleet/inst001.pprof");
        byte[] body = Files.readAllBytes(profile);
        AtomicInteger requests = new AtomicInteger();
        AtomicInteger shed = new AtomicInteger(1);
        HttpServer fake = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        fake.createContext("/v1/merge", ex -> {
            requests.incrementAndGet();
            if (shed.getAndDecrement() > 0) {
                byte[] busy = "overloaded: try again later\n".getBytes();
                ex.getResponseHeaders().set("Retry-After", "0");
                ex.sendResponseHeaders(503, busy.length);
                ex.getResponseBody().write(busy);
            } else {
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        fake.start();
        try {
            Path key = Files.writeString(tmp.resolve("merge_key"), RunningCollector.MERGE_KEY + "\n");
            String url = "http://127.0.0.1:" + fake.getAddress().getPort();
            CliRun retried = CliRun.of("top", "--url", url + "/v1/merge", "--key-file", key.toString(),
                    "--retries", "2", "--backoff", "10ms", "-n", "5");
            assertThat(retried.exit()).as(retried.err()).isZero();
            assertThat(retried.err()).contains("HTTP 503 overloaded: try again later").contains("attempt 2 of 2");
            assertThat(retried.out()).isEqualTo(CliRun.of("top", "-n", "5", profile.toString()).out());
            assertThat(requests.get()).isEqualTo(2);

            shed.set(Integer.MAX_VALUE);
            CliRun once = CliRun.of("top", "--url", url, "--key-file", key.toString(), "--retries", "1");
            assertThat(once.exit()).as("unreachable after its one attempt").isEqualTo(4);
            assertThat(once.err()).contains("unreachable").contains("after 1 attempts").doesNotContain("retrying");
            assertThat(requests.get()).isEqualTo(3);
        } finally {
            fake.stop(0);
        }
        assertThat(CliRun.of("top", profile.toString(), "--retries", "3").exit()).as("client options need --url").isEqualTo(2);
        assertThat(CliRun.of("top", "--url", "http://127.0.0.1:1", "--key-file", "k", "--retries", "0").exit()).isEqualTo(2);
        assertThat(PgoFleetCommand.commandLine("top").getSubcommands().get("top").getUsageMessage())
                .contains("--retries").contains("--backoff").contains("--key-file");
    }
}
