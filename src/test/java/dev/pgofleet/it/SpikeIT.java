package dev.pgofleet.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.bench.BigProfile;
import dev.pgofleet.bench.LoadGenerator;
import dev.pgofleet.testing.CollectorProcess;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load spike of the original's post-mortem: the packaged collector in its own JVM with
 * -Xmx128m, 256 connections posting 150+ KB profiles for 30 s. It must stay up, answer only 204
 * or 503/429, keep its heap within the limit, and the merge afterwards must hold exactly the
 * profiles it acknowledged.
 */
class SpikeIT {
    private static final Pattern HEAP = Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\"} ([0-9.eE+]+)");

    @TempDir
    Path tmp;

    @Test
    void aSpikeIsShedNotFatalAndEveryAcknowledgedProfileIsKept() throws Exception {
        byte[] profile = BigProfile.make(150_000);
        long perProfile = Profiles.total(profile, 0);
        int port = CollectorProcess.freePort();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (CollectorProcess c = CollectorProcess.start(tmp, port, List.of("-Xmx128m"), Map.of("PGOF_LOG_LEVEL", "WARN"))) {
            AtomicLong heapPeak = new AtomicLong();
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        String m = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                                HttpResponse.BodyHandlers.ofString()).body();
                        Matcher h = HEAP.matcher(m);
                        if (h.find()) {
                            heapPeak.accumulateAndGet((long) Double.parseDouble(h.group(1)), Math::max);
                        }
                        // The scrape period of this sampler, as a monitoring system would scrape.
                        Thread.sleep(250);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception shedToo) {
                        // a scrape may be shed as well during the spike
                    }
                }
            });
            sampler.setDaemon(true);
            sampler.start();
            LoadGenerator.Result r = LoadGenerator.run(URI.create("http://127.0.0.1:" + port), RunningCollector.SUBMIT_KEY,
                    profile, 256, 30, 2_000_000);
            sampler.interrupt();
            long accepted = r.statuses().getOrDefault(204, 0L);
            long shed = r.statuses().getOrDefault(503, 0L) + r.statuses().getOrDefault(429, 0L);
            System.out.printf("spike (-Xmx128m, 256 connections, %d-byte profiles, 30 s): %s; heap peak %.1f MB%n",
                    profile.length, r, heapPeak.get() / 1048576.0);
            assertThat(c.process.isAlive()).as("still up").isTrue();
            assertThat(r.statuses().keySet()).as("only 204, 503 or 429").isSubsetOf(204, 503, 429);
            assertThat(accepted).isPositive();
            assertThat(shed).isPositive();
            assertThat(heapPeak.get()).isPositive().isLessThanOrEqualTo(128L << 20);
            assertThat(Files.readString(c.log)).doesNotContain("OutOfMemoryError");

            try (var files = Files.list(tmp.resolve("store"))) {
                assertThat(files.filter(p -> p.toString().endsWith(".pprof")).count()).as("one file per 204").isEqualTo(accepted);
            }
            HttpResponse<byte[]> merge = CollectorProcess.merge(http, port);
            assertThat(merge.statusCode()).isEqualTo(200);
            var merged = TestData.proto(merge.body());
            long total = Profiles.totalSamples(merged);
            assertThat(total).as("the merge holds exactly the acknowledged profiles").isEqualTo(perProfile * accepted);
            assertThat(c.terminate()).isZero();
        }
    }
}
