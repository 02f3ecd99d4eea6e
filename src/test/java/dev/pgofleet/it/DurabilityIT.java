package dev.pgofleet.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.testing.CollectorProcess;
import dev.pgofleet.testing.Poll;
import dev.pgofleet.testing.Profiles;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged collector killed with SIGKILL mid-stream of submits to three services at once and
 * restarted: every 204 survives in its own service, nothing doubles or crosses to another service.
 */
class DurabilityIT {
    @TempDir
    Path tmp;

    @Test
    void everyAcknowledgedProfileSurvivesSigkill() throws Exception {
        byte[] base = TestData.bytes("profiles/fleet/inst005.pprof");
        long perProfile = Profiles.total(base, 0);
        int port = CollectorProcess.freePort();
        List<String> services = List.of("default", "svc-a", "svc-b.v2");
        Map<String, Set<String>> acked = new java.util.HashMap<>(), sent = new java.util.HashMap<>();
        for (String s : services) {
            acked.put(s, ConcurrentHashMap.newKeySet());
            sent.put(s, ConcurrentHashMap.newKeySet());
        }
        AtomicInteger ids = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try (CollectorProcess collector = CollectorProcess.start(tmp, port, List.of("-Xmx256m"), Map.of())) {
            ExecutorService clients = Executors.newFixedThreadPool(16);
            for (int t = 0; t < 16; t++) {
                String service = services.get(t % services.size());
                String query = service.equals("default") ? "" : "?service=" + service;
                clients.submit(() -> {
                    while (running.get()) {
                        String id = Profiles.tag(ids.incrementAndGet());
                        byte[] body = Profiles.withComment(base, id);
                        sent.get(service).add(id);
                        try {
                            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/submit" + query))
                                    .header("Authorization", "Bearer " + RunningCollector.SUBMIT_KEY)
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
                            if (r.statusCode() == 204) {
                                acked.get(service).add(id);
                            }
                        } catch (Exception connectionLost) {
                            return null;
                        }
                    }
                    return null;
                });
            }
            // SIGKILL in the middle of the load, once enough has been acknowledged for the checks below.
            Poll.until("over 20 acknowledged submits in each service", Duration.ofSeconds(60),
                    () -> services.stream().allMatch(s -> acked.get(s).size() > 20));
            collector.kill();
            running.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        System.out.printf("SIGKILL after %s acknowledged submits%n", services.stream().map(s -> s + ": " + acked.get(s).size()).toList());

        try (CollectorProcess restarted = CollectorProcess.start(tmp, port, List.of("-Xmx256m"), Map.of())) {
            try (Stream<Path> files = Files.list(tmp.resolve("store"))) {
                assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".tmp-"));
            }
            for (String service : services) {
                HttpResponse<byte[]> merge = CollectorProcess.merge(http, port, "?service=" + service);
                assertThat(merge.statusCode()).isEqualTo(200);
                var merged = TestData.proto(merge.body());
                List<String> present = Profiles.comments(merged);
                assertThat(present).as(service).containsAll(acked.get(service));
                assertThat(sent.get(service)).as(service + ": nothing from another service").containsAll(present);
                // Each profile counted once: the total is exactly one copy per profile present.
                long total = Profiles.totalSamples(merged);
                assertThat(total).as(service).isEqualTo(perProfile * present.size());
            }
            assertThat(restarted.terminate()).as("SIGTERM exits 0").isZero();
        }
    }
}
