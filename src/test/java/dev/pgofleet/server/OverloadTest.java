package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.testing.Poll;
import dev.pgofleet.testing.Profiles;
import dev.pgofleet.testing.RawHttp;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Load shedding, deadlines and shutdown, with deliberately tiny limits. */
class OverloadTest {
    @TempDir
    Path tmp;

    @Test
    void aBurstIsShedWith503AndEveryAcceptedProfileIsInTheNextMerge() throws Exception {
        try (RunningCollector c = RunningCollector.start(tmp, Map.of("PGOF_WORKER_THREADS", "1", "PGOF_WORKER_QUEUE", "1",
                "PGOF_RETRY_AFTER", "3s"))) {
            byte[] base = TestData.bytes("profiles/compiler/nethttp.pprof");
            int n = 64;
            // Connect every client first, then send all requests at once: a real burst.
            List<RawHttp> clients = new ArrayList<>();
            List<byte[]> requests = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                clients.add(new RawHttp(c.port()));
                byte[] body = Profiles.withComment(base, "submit-" + i);
                java.io.ByteArrayOutputStream req = new java.io.ByteArrayOutputStream();
                req.writeBytes(("POST /v1/submit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + RunningCollector.SUBMIT_KEY
                        + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes());
                req.writeBytes(body);
                requests.add(req.toByteArray());
            }
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            ExecutorService senders = Executors.newFixedThreadPool(n);
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                RawHttp client = clients.get(i);
                byte[] request = requests.get(i);
                answers.add(senders.submit(() -> {
                    go.await();
                    client.write(request);
                    return client.readResponse();
                }));
            }
            go.countDown();
            Set<String> accepted = new HashSet<>();
            int shed = 0;
            for (int i = 0; i < n; i++) {
                String r = answers.get(i).get();
                assertThat(r).matches("(?s)HTTP/1.1 (204|503) .*");
                if (r.startsWith("HTTP/1.1 204")) {
                    accepted.add("submit-" + i);
                } else {
                    assertThat(r.toLowerCase()).contains("retry-after: 3");
                    shed++;
                }
            }
            senders.shutdown();
            for (RawHttp client : clients) {
                client.close();
            }
            System.out.printf("burst of %d submits: %d accepted, %d shed with 503%n", n, accepted.size(), shed);
            assertThat(shed).as("some requests are shed").isPositive();
            assertThat(accepted).as("some requests get through").isNotEmpty();
            var merged = TestData.proto(c.merge("").body());
            List<String> comments = Profiles.comments(merged);
            assertThat(new HashSet<>(comments)).isEqualTo(accepted);
            assertThat(c.storedCount()).isEqualTo(accepted.size());
        }
    }

    @Test
    void aByteBudgetShedsLargeBodiesBeforeReadingThem() throws Exception {
        try (RunningCollector c = RunningCollector.start(tmp, Map.of("PGOF_MAX_INFLIGHT_BYTES", "50000",
                "PGOF_MAX_BODY_BYTES", "50000"))) {
            try (RawHttp hog = new RawHttp(c.port()); RawHttp second = new RawHttp(c.port())) {
                String head = "POST /v1/submit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + RunningCollector.SUBMIT_KEY
                        + "\r\nContent-Length: 40000\r\n\r\n";
                hog.write(head + "partial");
                Poll.until("the first body's 40000 bytes reserved", Duration.ofSeconds(10), () -> inFlightBytes(c) == 40000);
                second.write(head);
                String r = second.readResponse();
                assertThat(r).startsWith("HTTP/1.1 503").containsIgnoringCase("retry-after: 1");
                assertThat(second.closedByServer()).isTrue();
            }
            // The reservation of the closed connections is returned: a normal submit works again.
            Poll.until("every reservation returned", Duration.ofSeconds(10), () -> inFlightBytes(c) == 0);
            assertThat(c.submit(TestData.bytes("profiles/fleet/inst001.pprof")).statusCode()).isEqualTo(204);
        }
    }

    @Test
    void anonymousClientsCannotReserveTheByteBudget() throws Exception {
        byte[] profile = TestData.bytes("profiles/fleet/inst001.pprof");
        // Room for one real submit at a time; each probe below announces more than the whole budget.
        long budget = profile.length + 1000;
        try (RunningCollector c = RunningCollector.start(tmp, Map.of("PGOF_MAX_INFLIGHT_BYTES", String.valueOf(budget),
                "PGOF_MAX_BODY_BYTES", String.valueOf(budget)))) {
            String body = "Content-Length: " + budget + "\r\nExpect: 100-continue\r\n\r\n";
            String[] probes = {
                    "GET /healthz HTTP/1.1\r\nHost: x\r\n" + body,
                    "POST /healthz HTTP/1.1\r\nHost: x\r\n" + body,
                    "POST /readyz HTTP/1.1\r\nHost: x\r\n" + body,
                    "POST /metrics HTTP/1.1\r\nHost: x\r\n" + body,
                    "POST /v1/submit HTTP/1.1\r\nHost: x\r\n" + body,
                    "POST /v1/submit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + RunningCollector.MERGE_KEY + "\r\n" + body,
                    "POST /v1/merge HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + RunningCollector.MERGE_KEY + "\r\n" + body,
                    "POST /nope HTTP/1.1\r\nHost: x\r\n" + body,
                    "POST /v1%2Fsubmit HTTP/1.1\r\nHost: x\r\n" + body,
                    "GET /v1/submit HTTP/1.1\r\nHost: x\r\n" + body};
            List<RawHttp> held = new ArrayList<>();
            try {
                for (String probe : probes) {
                    RawHttp raw = new RawHttp(c.port());
                    held.add(raw);
                    raw.write(probe);
                    String answer = raw.readResponse();
                    assertThat(answer).as(probe).matches("(?s)HTTP/1.1 (401|404|405|413) .*")
                            .doesNotContain("100 Continue");
                }
                // The probes' connections are still open (closing lingers): real submits are not shed.
                for (int i = 0; i < 3; i++) {
                    assertThat(c.submit(profile).statusCode()).as("submit %d beside the anonymous probes", i).isEqualTo(204);
                }
            } finally {
                for (RawHttp raw : held) {
                    raw.close();
                }
            }
        }
    }

    @Test
    void aClientTricklingItsRequestIsCutOffByTheDeadline() throws Exception {
        try (RunningCollector c = RunningCollector.start(tmp, Map.of("PGOF_REQUEST_TIMEOUT", "1s"))) {
            try (RawHttp slow = new RawHttp(c.port())) {
                long start = System.nanoTime();
                // The client's pace is what is tested: a part every 400 ms, each well within
                // the 1 s deadline, which the whole head still overruns.
                slow.write("POST /v1/sub");
                Thread.sleep(400);
                slow.write("mit HTTP/1.1\r\nHost: x\r\n");
                Thread.sleep(400);
                slow.write("X-Slow: 1\r\n");
                assertThat(slow.readResponse()).startsWith("HTTP/1.1 408");
                assertThat(slow.closedByServer()).isTrue();
                assertThat((System.nanoTime() - start) / 1e9).isBetween(0.9, 5.0);
                // Other clients were served meanwhile.
                assertThat(c.submit(TestData.bytes("profiles/fleet/inst001.pprof")).statusCode()).isEqualTo(204);
            }
        }
    }

    @Test
    void keyFilesAreReloadedWhenTheyChangeAndABadReloadKeepsThePreviousKeys() throws Exception {
        try (RunningCollector c = RunningCollector.start(tmp, Map.of("PGOF_KEY_RELOAD_INTERVAL", "100ms"))) {
            byte[] profile = TestData.bytes("profiles/fleet/inst001.pprof");
            java.nio.file.Files.writeString(tmp.resolve("submit_keys"), "rotated-key\n");
            assertThat(eventually(() -> submitWith(c, RunningCollector.SUBMIT_KEY, profile) == 401)).as("old key stops working").isTrue();
            assertThat(submitWith(c, "rotated-key", profile)).isEqualTo(204);
            java.nio.file.Files.writeString(tmp.resolve("submit_keys"), "\n"); // emptied by mistake
            assertThat(eventually(() -> metrics(c).contains("pgof_key_reload_failures_total 1.0")))
                    .as("the reload of the emptied file ran and failed").isTrue();
            assertThat(submitWith(c, "rotated-key", profile)).as("previous keys kept").isEqualTo(204);
        }
    }

    @Test
    void metricsCanBeTurnedOff() throws Exception {
        try (RunningCollector c = RunningCollector.start(tmp, Map.of("PGOF_METRICS", "off"))) {
            assertThat(c.send(java.net.http.HttpRequest.newBuilder(c.uri("/metrics")).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
        }
    }

    private static String metrics(RunningCollector c) {
        return c.send(java.net.http.HttpRequest.newBuilder(c.uri("/metrics")).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The collector's pgof_inflight_bytes gauge, from /metrics. */
    private static long inFlightBytes(RunningCollector c) {
        String metrics = c.send(java.net.http.HttpRequest.newBuilder(c.uri("/metrics")).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^pgof_inflight_bytes ([0-9.eE+]+)$").matcher(metrics);
        assertThat(m.find()).as("pgof_inflight_bytes in /metrics").isTrue();
        return (long) Double.parseDouble(m.group(1));
    }

    static int submitWith(RunningCollector c, String key, byte[] body) {
        return c.send(java.net.http.HttpRequest.newBuilder(c.uri("/v1/submit")).header("Authorization", "Bearer " + key)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    @Test
    void aBodyTrickledOneByteASecondIsCutOffByTheDeadline() throws Exception {
        try (RunningCollector c = RunningCollector.start(tmp, Map.of("PGOF_REQUEST_TIMEOUT", "2s"))) {
            try (RawHttp slow = new RawHttp(c.port())) {
                slow.write("POST /v1/submit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + RunningCollector.SUBMIT_KEY
                        + "\r\nContent-Length: 1000\r\n\r\n");
                long start = System.nanoTime();
                String answer = null;
                for (int i = 0; i < 10 && answer == null; i++) {
                    try {
                        slow.write(new byte[] {1});
                        // The pace under test: one byte a second, at most 10 s in all.
                        Thread.sleep(1000);
                    } catch (java.io.IOException closed) {
                        answer = "closed";
                    }
                    if (slow.socket.getInputStream().available() > 0) {
                        answer = slow.readResponse();
                    }
                }
                assertThat(answer).isNotNull();
                assertThat((System.nanoTime() - start) / 1e9).isLessThan(6.0);
                assertThat(c.submit(TestData.bytes("profiles/fleet/inst001.pprof")).statusCode()).isEqualTo(204);
            }
        }
    }

    @Test
    void aClientThatPipelinesAndNeverReadsIsThrottledThenClosedWhileOthersAreServed() throws Exception {
        try (RunningCollector c = RunningCollector.start(tmp, Map.of("PGOF_REQUEST_TIMEOUT", "2s", "PGOF_IDLE_TIMEOUT", "1s"))) {
            try (RawHttp greedy = new RawHttp(c.port())) {
                greedy.socket.setReceiveBufferSize(4096);
                byte[] request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes();
                java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
                Thread writer = new Thread(() -> {
                    try {
                        while (!Thread.currentThread().isInterrupted()) {
                            greedy.write(request);
                            sent.incrementAndGet();
                        }
                    } catch (java.io.IOException stopped) {
                        // the server closed the connection
                    }
                });
                writer.setDaemon(true);
                writer.start();
                // The server reads until the socket buffers between the two are full of answers (some
                // MB, autotuned by the kernel, so how long that takes depends on the machine's speed);
                // then it stops reading: the client can no longer send (or was disconnected).
                // Measured over 2 s windows (at most 10): the rate is the condition, so each window
                // must be long against scheduling hiccups on a loaded machine.
                long beforeLast = 0, lastTwoSeconds = Long.MAX_VALUE;
                for (int window = 0; window < 10 && lastTwoSeconds >= 1000; window++) {
                    beforeLast = sent.get();
                    Thread.sleep(2000);
                    lastTwoSeconds = sent.get() - beforeLast;
                }
                assertThat(lastTwoSeconds).as("requests accepted in the last 2 s").isLessThan(1000);
                // Meanwhile other clients are served.
                assertThat(c.submit(TestData.bytes("profiles/fleet/inst001.pprof")).statusCode()).isEqualTo(204);
                System.out.printf("a client that never reads: %d pipelined requests taken, then none%n", beforeLast);
                // The server has closed its side: once the client drains what was sent to it, it reads the end
                // of the stream (or a reset), not a connection that stays open.
                assertThat(greedy.readRest()).as("closed by the server").doesNotEndWith("<still open>");
                writer.interrupt();
            }
        }
    }

    @Test
    void idleKeepAliveConnectionsAreClosed() throws Exception {
        try (RunningCollector c = RunningCollector.start(tmp, Map.of("PGOF_IDLE_TIMEOUT", "500ms"))) {
            try (RawHttp idle = new RawHttp(c.port())) {
                idle.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(idle.readResponse()).startsWith("HTTP/1.1 200");
                long start = System.nanoTime();
                assertThat(idle.closedByServer()).isTrue();
                assertThat((System.nanoTime() - start) / 1e9).isLessThan(5.0);
            }
        }
    }
}
