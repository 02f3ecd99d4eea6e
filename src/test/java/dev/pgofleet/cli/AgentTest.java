package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pgofleet.testing.FakePprofTarget;
import dev.pgofleet.testing.GoToolchain;
import dev.pgofleet.testing.Poll;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pull agent against in-test pprof endpoints, a failing target, and a real Go process. */
class AgentTest {
    @TempDir
    Path tmp;

    @Test
    void profilesArriveOnScheduleAndAFailingTargetDoesNotBlock() throws Exception {
        HttpServer bad = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        bad.createContext("/", ex -> {
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        bad.start();
        try (FakePprofTarget good = FakePprofTarget.fleet();
             RunningCollector c = RunningCollector.start(tmp.resolve("collector"), Map.of())) {
            Path key = Files.writeString(tmp.resolve("key"), RunningCollector.SUBMIT_KEY);
            long start = System.nanoTime();
            CliRun r = CliRun.of("agent", "--url", "http://127.0.0.1:" + c.port(), "--key-file", key.toString(),
                    "--target", "http://127.0.0.1:" + bad.getAddress().getPort(),
                    "--target", good.url() + "/debug/pprof/profile",
                    "--interval", "300ms", "--duration", "2s", "--cycles", "3");
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(r.exit()).isZero();
            assertThat(c.storedCount()).isEqualTo(3);
            assertThat(good.queries).containsOnly("seconds=2");
            assertThat(r.err()).contains("cycle 3: submitted").contains("failed: HTTP 500");
            assertThat(r.err().lines().filter(l -> l.contains("failed: HTTP 500")).count()).isEqualTo(3);
            assertThat(r.err().lines().filter(l -> l.contains(": next profile in ")).count()).as("when each next cycle is due")
                    .isEqualTo(4);
            // a first delay of up to 300 ms, then two jittered intervals of 300 ms (±10%), not more
            assertThat(seconds).isBetween(2 * 0.27, 10.0);
        } finally {
            bad.stop(0);
        }
    }

    @Test
    void aBacklogKeepsProfilesWhileTheCollectorIsDownAndDropsTheOldest() throws Exception {
        try (FakePprofTarget good = FakePprofTarget.fleet()) {
            Path key = Files.writeString(tmp.resolve("key"), RunningCollector.SUBMIT_KEY);
            CliRun r = CliRun.of("agent", "--url", "http://127.0.0.1:1", "--key-file", key.toString(), "--retries", "1",
                    "--target", good.url(), "--interval", "100ms", "--duration", "1s", "--cycles", "4", "--backlog", "2");
            assertThat(r.exit()).as("undelivered profiles").isEqualTo(4);
            assertThat(r.err()).contains("collector unreachable").contains("backlog full (2): dropped")
                    .contains("not delivered");
        }
    }

    @Test
    void withCyclesAndEveryTargetFailingItExitsThreeAndSaysSo() throws Exception {
        HttpServer bad = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        bad.createContext("/", ex -> {
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        bad.start();
        try (RunningCollector c = RunningCollector.start(tmp.resolve("collector"), Map.of())) {
            Path key = Files.writeString(tmp.resolve("key"), RunningCollector.SUBMIT_KEY);
            CliRun r = CliRun.of("agent", "--url", "http://127.0.0.1:" + c.port(), "--key-file", key.toString(),
                    "--target", "http://127.0.0.1:" + bad.getAddress().getPort(), "--interval", "100ms", "--duration", "1s",
                    "--cycles", "1");
            assertThat(r.exit()).as(r.err()).isEqualTo(3);
            assertThat(r.err()).contains("failed: HTTP 500").contains("no profile was delivered");
        } finally {
            bad.stop(0);
        }
    }

    @Test
    void theFirstProfileComesSoonAfterStartNotAfterAWholeInterval() throws Exception {
        try (FakePprofTarget good = FakePprofTarget.fleet();
             RunningCollector c = RunningCollector.start(tmp.resolve("collector"), Map.of())) {
            Path key = Files.writeString(tmp.resolve("key"), RunningCollector.SUBMIT_KEY);
            long start = System.nanoTime();
            CliRun r = CliRun.of("agent", "--url", "http://127.0.0.1:" + c.port(), "--key-file", key.toString(),
                    "--target", good.url(), "--interval", "1h", "--duration", "1s", "--cycles", "1");
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(c.storedCount()).isEqualTo(1);
            assertThat(r.err()).containsPattern("first profile in [0-9.a-z]+, at 20");
            // at most AgentCommand.FIRST_DELAY (10 s) plus the 1 s profile, not the hour
            assertThat(seconds).isLessThan(AgentCommand.FIRST_DELAY.toSeconds() + 8);
        }
    }

    @Test
    void logsAsJsonWithPgofLogFormatAnyCase() throws Exception {
        try (FakePprofTarget good = FakePprofTarget.fleet();
             RunningCollector c = RunningCollector.start(tmp.resolve("collector"), Map.of())) {
            Path key = Files.writeString(tmp.resolve("key"), RunningCollector.SUBMIT_KEY);
            CliRun r = CliRun.withEnv(Map.of("PGOF_LOG_FORMAT", "JSON"), "agent", "--url", "http://127.0.0.1:" + c.port(),
                    "--key-file", key.toString(), "--target", good.url(), "--interval", "100ms", "--duration", "1s", "--cycles", "1");
            assertThat(r.exit()).as(r.err()).isZero();
            List<String> lines = r.err().lines().toList();
            assertThat(lines).hasSizeGreaterThanOrEqualTo(4).allSatisfy(l -> {
                assertThat(dev.pgofleet.testing.JsonSyntax.isJson(l)).as(l).isTrue();
                assertThat(l).matches("\\{\"timestamp\":\"20\\d\\d-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\",\"level\":\"INFO\".*")
                        .contains("\"logger\":\"agent\"");
            });
            assertThat(r.err()).contains("cycle 1: submitted");
        }
    }

    @Test
    void aBadLogSettingStopsTheStartNamingIt() {
        CliRun r = CliRun.withEnv(Map.of("PGOF_LOG_FORMAT", "xml"), "agent", "--url", "http://127.0.0.1:1", "--key-file",
                "/nonexistent", "--target", "http://127.0.0.1:2");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().trim()).isEqualTo("error: cannot start: PGOF_LOG_FORMAT=xml is invalid: expected one of text, json (any case)");
    }

    @Test
    void profilesARealGoProcessOverNetHttpPprof() throws Exception {
        GoToolchain go = GoToolchain.require(tmp);
        Path src = tmp.resolve("pprofsvc");
        Files.createDirectories(src);
        Files.writeString(src.resolve("go.mod"), "module example.com/pprofsvc\n\ngo 1.23\n");
        Files.writeString(src.resolve("main.go"), """
                package main

                import (
                	"crypto/sha256"
                	"net/http"
                	_ "net/http/pprof"
                	"os"
                )

                func burn() {
                	b := []byte("x")
                	for {
                		s := sha256.Sum256(b)
                		b = s[:]
                	}
                }

                func main() {
                	go burn()
                	http.ListenAndServe("127.0.0.1:"+os.Args[1], nil)
                }
                """);
        Path bin = tmp.resolve("pprofsvc-bin");
        go.run(src, 300, "build", "-o", bin.toString(), ".");
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process svc = new ProcessBuilder(bin.toString(), Integer.toString(port)).redirectErrorStream(true).start();
        try (RunningCollector c = RunningCollector.start(tmp.resolve("collector"), Map.of())) {
            Poll.until("the Go service listening on " + port, Duration.ofSeconds(10), () -> Poll.accepts(port));
            Path key = Files.writeString(tmp.resolve("key"), RunningCollector.SUBMIT_KEY);
            CliRun r = CliRun.of("agent", "--url", "http://127.0.0.1:" + c.port(), "--key-file", key.toString(),
                    "--target", "http://127.0.0.1:" + port, "--interval", "100ms", "--duration", "1s", "--cycles", "1");
            assertThat(r.exit()).isZero();
            assertThat(r.err()).contains("cycle 1: submitted");
            assertThat(c.storedCount()).isEqualTo(1);
            var merged = TestData.proto(c.merge("").body());
            List<String> functions = merged.getFunctionList().stream().map(f -> merged.getStringTable((int) f.getName())).toList();
            assertThat(functions).contains("main.burn");
        } finally {
            svc.destroyForcibly();
        }
    }
}
