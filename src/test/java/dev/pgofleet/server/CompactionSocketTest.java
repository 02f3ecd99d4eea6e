package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.proto.ProfileProto.Profile;
import dev.pgofleet.testing.Poll;
import dev.pgofleet.testing.Profiles;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Submits, merges, and_combine and a busy compactor, all at once on a real socket and disk: every
 * merge holds each profile wholly or not at all, once, and the last one holds every 204'd profile.
 */
class CompactionSocketTest {
    @TempDir
    Path tmp;

    @Test
    void concurrentSubmitMergeCombineAndCompactionLoseAndDoubleNothing() throws Exception {
        byte[] base = TestData.bytes("profiles/fleet/inst007.pprof");
        long perProfile = Profiles.total(base, 0);
        Set<String> acked = ConcurrentHashMap.newKeySet();
        List<String> problems = new CopyOnWriteArrayList<>();
        AtomicInteger ids = new AtomicInteger(), merges = new AtomicInteger(), combines = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try (RunningCollector c = RunningCollector.start(tmp, Map.of("PGOF_COMPACT_INTERVAL", "20ms"))) {
            for (int t = 0; t < 6; t++) {
                threads.submit(() -> {
                    while (running.get()) {
                        String id = Profiles.tag(ids.incrementAndGet());
                        if (c.submit(Profiles.withComment(base, id)).statusCode() == 204) {
                            acked.add(id);
                        }
                    }
                    return null;
                });
            }
            Future<?> merger = threads.submit(() -> {
                while (running.get()) {
                    boolean combine = merges.incrementAndGet() % 4 == 0;
                    HttpResponse<byte[]> r = c.merge(combine ? "?and_combine=true" : "");
                    if (r.statusCode() == 200) {
                        checkWhole(TestData.proto(r.body()), perProfile, problems);
                        combines.addAndGet(combine ? 1 : 0);
                    } else if (r.statusCode() != 404) {
                        problems.add("merge answered " + r.statusCode());
                    }
                }
                return null;
            });
            // Load until what the assertions below need has happened, or a problem shows.
            Poll.until("over 200 acknowledged submits and a combine", Duration.ofSeconds(60),
                    () -> !problems.isEmpty() || merger.isDone() || acked.size() > 200 && combines.get() > 0);
            running.set(false);
            threads.shutdown();
            assertThat(threads.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            merger.get();

            HttpResponse<byte[]> last = c.merge("");
            Profile merged = TestData.proto(last.body());
            assertThat(problems).isEmpty();
            assertThat(Profiles.tags(merged)).containsExactlyInAnyOrderElementsOf(acked);
            assertThat(Profiles.totalSamples(merged)).isEqualTo(perProfile * acked.size());
            assertThat(last.headers().firstValue("X-Pgof-Profiles")).hasValue(Integer.toString(acked.size()));
            System.out.printf("%d submits acknowledged, %d merges (%d combines) checked, %d files left%n",
                    acked.size(), merges.get(), combines.get(), c.storedCount());
            assertThat(acked.size()).isGreaterThan(200);
            assertThat(combines.get()).isPositive();
        }
    }

    @Test
    void submitsAreShedWhileTheCompactionBacklogIsFull() throws Exception {
        byte[] p = TestData.bytes("profiles/fleet/inst008.pprof");
        try (RunningCollector c = RunningCollector.start(tmp, Map.of("PGOF_MAX_COMPACTION_LAG", "3", "PGOF_COMPACT_INTERVAL", "1h"))) {
            for (int i = 0; i < 3; i++) {
                assertThat(c.submit(p).statusCode()).isEqualTo(204);
            }
            HttpResponse<String> shed = c.submit(p);
            assertThat(shed.statusCode()).isEqualTo(503);
            assertThat(shed.headers().firstValue("retry-after")).isPresent();
            assertThat(c.storedCount()).isEqualTo(3);
            assertThat(c.merge("?and_combine=true").statusCode()).as("folds the backlog").isEqualTo(200);
            assertThat(c.submit(p).statusCode()).isEqualTo(204);
            String metrics = c.send(java.net.http.HttpRequest.newBuilder(c.uri("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("pgof_shed_total{reason=\"compaction\"} 1.0");
            assertThat(metrics).as("a combined file counts the profiles it holds")
                    .contains("pgof_stored_profiles{service=\"default\"} 4.0").contains("pgof_stored_files{service=\"default\"} 2.0");
        }
    }

    private static void checkWhole(Profile p, long perProfile, List<String> problems) {
        List<String> ids = Profiles.tags(p);
        if (Profiles.totalSamples(p) != perProfile * ids.size() || Set.copyOf(ids).size() != ids.size()) {
            problems.add("a merge of " + ids.size() + " profiles totals " + Profiles.totalSamples(p) + ", expected " + perProfile * ids.size());
        }
    }
}
