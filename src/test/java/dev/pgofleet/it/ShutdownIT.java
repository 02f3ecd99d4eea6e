package dev.pgofleet.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.testing.CollectorProcess;
import dev.pgofleet.testing.Profiles;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM during 16 streams of submits against the packaged collector: every stored profile was
 * answered 204 and every 204 was stored, so no client retries a stored profile.
 */
class ShutdownIT {
    @TempDir
    Path tmp;

    @Test
    void sigtermUnderLoadAnswersEveryStoredProfile() throws Exception {
        byte[] base = TestData.bytes("profiles/fleet/inst005.pprof");
        long perProfile = Profiles.total(base, 0);
        int port = CollectorProcess.freePort();
        Set<String> acked = ConcurrentHashMap.newKeySet();
        Set<String> unanswered = ConcurrentHashMap.newKeySet();
        AtomicInteger ids = new AtomicInteger();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        try (CollectorProcess collector = CollectorProcess.start(tmp, port, List.of("-Xmx256m"), Map.of())) {
            ExecutorService clients = Executors.newFixedThreadPool(16);
            for (int t = 0; t < 16; t++) {
                clients.submit(() -> {
                    while (true) {
                        String id = Profiles.tag(ids.incrementAndGet());
                        try {
                            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/submit"))
                                    .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + RunningCollector.SUBMIT_KEY)
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(Profiles.withComment(base, id))).build(),
                                    HttpResponse.BodyHandlers.discarding());
                            if (r.statusCode() == 204) {
                                acked.add(id);
                            }
                        } catch (java.net.ConnectException stopped) {
                            return null; // the collector no longer accepts: done
                        } catch (Exception noAnswer) {
                            unanswered.add(id); // a client would retry this one
                        }
                    }
                });
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (acked.size() < 200 && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            int exit = collector.terminate();
            clients.shutdown();
            assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            assertThat(exit).as("SIGTERM exits 0").isZero();
        }
        System.out.printf("SIGTERM after %d acknowledged submits; %d requests without an answer%n", acked.size(), unanswered.size());
        assertThat(acked.size()).isGreaterThanOrEqualTo(200);

        try (CollectorProcess restarted = CollectorProcess.start(tmp, port, List.of("-Xmx256m"), Map.of())) {
            HttpResponse<byte[]> merge = CollectorProcess.merge(http, restarted.port);
            assertThat(merge.statusCode()).isEqualTo(200);
            var merged = TestData.proto(merge.body());
            List<String> present = Profiles.comments(merged);
            assertThat(present).as("stored but never answered 204").containsExactlyInAnyOrderElementsOf(acked);
            assertThat(Profiles.totalSamples(merged)).isEqualTo(perProfile * present.size());
        }
    }
}
