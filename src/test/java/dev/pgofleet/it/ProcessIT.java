package dev.pgofleet.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.cli.BatchJvm;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.pprof.ProfileWriter;
import dev.pgofleet.testing.CollectorProcess;
import dev.pgofleet.testing.FakePprofTarget;
import dev.pgofleet.testing.Poll;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar as users run it: start-up errors, and the agent's SIGTERM. */
class ProcessIT {
    @TempDir
    Path tmp;

    private static Process jar(Map<String, String> env, Path log, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", CollectorProcess.jar().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    @Test
    void startupErrorsNameTheVariableAndExitOne() throws Exception {
        Path keys = Files.writeString(tmp.resolve("keys"), "k\n");
        Path notADir = Files.writeString(tmp.resolve("file"), "x");
        Path log = tmp.resolve("log");
        Process missingKeys = jar(Map.of("PGOF_SUBMIT_AUTH_KEYS_FILE", tmp.resolve("none").toString(),
                "PGOF_MERGE_AUTH_KEYS_FILE", keys.toString()), log);
        assertThat(missingKeys.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(missingKeys.exitValue()).isEqualTo(1);
        assertThat(Files.readString(log)).contains("PGOF_SUBMIT_AUTH_KEYS_FILE=" + tmp.resolve("none") + ": file does not exist");

        Process badDir = jar(Map.of("PGOF_SUBMIT_AUTH_KEYS_FILE", keys.toString(), "PGOF_MERGE_AUTH_KEYS_FILE", keys.toString(),
                "PGOF_DIRECTORY", notADir.resolve("store").toString(), "PGOF_BIND_ADDRESS", "127.0.0.1:0"), log);
        assertThat(badDir.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(badDir.exitValue()).isEqualTo(1);
        assertThat(Files.readString(log)).contains("PGOF_DIRECTORY=" + notADir.resolve("store"));

        Process badLogFormat = jar(Map.of("PGOF_LOG_FORMAT", "JSONN"), log);
        assertThat(badLogFormat.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(badLogFormat.exitValue()).isEqualTo(1);
        assertThat(Files.readString(log).trim())
                .isEqualTo("error: cannot start: PGOF_LOG_FORMAT=JSONN is invalid: expected one of text, json (any case)");
    }

    @Test
    void jsonLogsAreOneJsonObjectPerLine() throws Exception {
        int port = CollectorProcess.freePort();
        try (CollectorProcess c = CollectorProcess.start(tmp, port, List.of(), Map.of("PGOF_LOG_FORMAT", "JSON"))) {
            java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + port + "/nope")).build(), java.net.http.HttpResponse.BodyHandlers.discarding());
            assertThat(c.terminate()).isZero();
            List<String> lines = Files.readAllLines(c.log);
            assertThat(lines).hasSizeGreaterThan(2)
                    .allMatch(l -> l.startsWith("{\"") && l.endsWith("}"))
                    .allMatch(l -> l.matches("\\{\"timestamp\":\"20\\d\\d-\\d\\d-\\d\\dT[0-9:.]{12}Z\",.*"))
                    .anyMatch(l -> l.contains("\"logger\":\"access\"") && l.contains("\"method\":\"GET\",\"path\":\"/nope\",\"status\":404")
                            && l.contains("\"client\":\"127.0.0.1:"));
            for (String l : lines) {
                assertThat(dev.pgofleet.testing.JsonSyntax.isJson(l)).as(l).isTrue();
            }
        }
    }

    @Test
    void sighupReloadsTheKeysInTheSameProcess() throws Exception {
        int port = CollectorProcess.freePort();
        try (CollectorProcess c = CollectorProcess.start(tmp, port, List.of(), Map.of("PGOF_KEY_RELOAD_INTERVAL", "1h"))) {
            long pid = c.process.pid();
            Files.writeString(tmp.resolve("submit_keys"), "after-sighup\n");
            new ProcessBuilder("kill", "-HUP", Long.toString(pid)).start().waitFor();
            var http = java.net.http.HttpClient.newHttpClient();
            byte[] body = TestData.bytes("profiles/fleet/inst001.pprof");
            // The new key works once the signal has been handled: until then it gets 401 (nothing stored).
            Poll.until("the key from after SIGHUP accepted", Duration.ofSeconds(5), () -> http.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/v1/submit"))
                            .header("Authorization", "Bearer after-sighup").POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body))
                            .build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 204);
            assertThat(c.process.isAlive()).isTrue();
            assertThat(c.process.pid()).isEqualTo(pid);
            assertThat(Files.readString(c.log)).contains("reloaded keys (SIGHUP)");
        }
    }

    @Test
    void theAgentStopsOnSigtermAfterItsCurrentSubmission() throws Exception {
        try (FakePprofTarget target = FakePprofTarget.fleet();
             RunningCollector c = RunningCollector.start(tmp.resolve("collector"), Map.of())) {
            Path key = Files.writeString(tmp.resolve("key"), RunningCollector.SUBMIT_KEY);
            Path log = tmp.resolve("agent.log");
            Process agent = jar(Map.of(), log, "agent", "--url", "http://127.0.0.1:" + c.port(), "--key-file", key.toString(),
                    "--target", target.url(), "--interval", "200ms", "--duration", "1s");
            Poll.until("two profiles submitted by the agent", Duration.ofSeconds(30), () -> c.storedCount() >= 2);
            agent.destroy(); // SIGTERM
            assertThat(agent.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(agent.exitValue()).isZero();
            assertThat(Files.readString(log)).contains("stopping after the current submission").contains("agent stopped");
        }
    }

    @Test
    void mergeFilesRunsInABatchJvmWithTheSameResultAndExitCodes() throws Exception {
        List<Path> fleet = new ArrayList<>(TestData.fleet());
        fleet.addAll(TestData.fleet()); // enough inputs to be worth a second JVM
        byte[] expected = ProfileWriter.write(ParallelFold.mergeFiles(fleet, DecodeLimits.DEFAULT, true, 2, n -> {}));
        List<String> args = new ArrayList<>(List.of("merge-files", "-o", tmp.resolve("merged.pgo").toString()));
        fleet.forEach(f -> args.add(f.toString()));

        Path log = tmp.resolve("merge.log");
        // -Xlog:gc makes the child JVM say which collector it runs with: proof the flags reached it.
        Process tuned = jar(Map.of(BatchJvm.VARIABLE, "-XX:+UseSerialGC -Xlog:gc"), log, args.toArray(String[]::new));
        assertThat(tuned.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tuned.exitValue()).isZero();
        assertThat(Files.readString(log)).contains("Using Serial").contains("merged 48 profiles");
        assertThat(Files.readAllBytes(tmp.resolve("merged.pgo"))).isEqualTo(expected);

        Files.delete(tmp.resolve("merged.pgo"));
        Process inPlace = jar(Map.of(BatchJvm.VARIABLE, ""), log, args.toArray(String[]::new));
        assertThat(inPlace.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(inPlace.exitValue()).isZero();
        assertThat(Files.readString(log)).doesNotContain("Using Serial").contains("merged 48 profiles");
        assertThat(Files.readAllBytes(tmp.resolve("merged.pgo"))).isEqualTo(expected);

        // Exit codes and messages come through from the child: a bad input (1), a usage error (2).
        Map<String, String> inChild = Map.of(BatchJvm.VARIABLE, "-Xlog:gc");
        Path bad = Files.write(tmp.resolve("bad.pprof"), new byte[] {0x1f, (byte) 0x8b, 8, 0});
        List<String> withBad = new ArrayList<>(List.of("merge-files", "-o", tmp.resolve("never.pgo").toString()));
        fleet.forEach(f -> withBad.add(f.toString()));
        withBad.add(bad.toString());
        Process refused = jar(inChild, log, withBad.toArray(String[]::new));
        assertThat(refused.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(refused.exitValue()).isEqualTo(1);
        assertThat(Files.readString(log)).contains("[gc] Using").contains("error: " + bad + ": gzip stream is truncated");
        assertThat(tmp.resolve("never.pgo")).doesNotExist();

        withBad.set(1, "--no-such-option");
        Process usage = jar(inChild, log, withBad.toArray(String[]::new));
        assertThat(usage.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(usage.exitValue()).isEqualTo(2);
        assertThat(Files.readString(log)).contains("[gc] Using").contains("Try 'pgo-fleet merge-files --help' for more information.");
    }
}
