package dev.pgofleet.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.proto.ProfileProto.Profile;
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
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged collector SIGKILLed again and again while it compacts without pause and answers
 * and_combine requests for two services at once, restarted on the same store each time. After every
 * restart each service's merge holds every profile 204'd to it exactly once, and nothing else.
 */
class CompactionCrashIT {
    private static final int ROUNDS = 16;

    @TempDir
    Path tmp;

    @Test
    void sigkillDuringCompactionAndCombineLosesAndDoublesNothing() throws Exception {
        byte[] base = TestData.bytes("profiles/fleet/inst011.pprof");
        long perProfile = Profiles.total(base, 0);
        List<String> services = List.of("default", "svc-b");
        Map<String, Set<String>> acked = new java.util.HashMap<>(), sent = new java.util.HashMap<>();
        for (String s : services) {
            acked.put(s, ConcurrentHashMap.newKeySet());
            sent.put(s, ConcurrentHashMap.newKeySet());
        }
        AtomicInteger ids = new AtomicInteger(), combinesAcked = new AtomicInteger();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Random random = new Random(42);
        int port = CollectorProcess.freePort();
        Map<String, String> env = Map.of("PGOF_COMPACT_INTERVAL", "5ms", "PGOF_LOG_LEVEL", "info");
        int recovered = 0, caughtMidway = 0;
        for (int round = 0; round < ROUNDS; round++) {
            AtomicBoolean running = new AtomicBoolean(true);
            try (CollectorProcess collector = CollectorProcess.start(tmp, port, List.of("-Xmx256m"), env)) {
                recovered += Files.readString(collector.log).contains("interrupted replacement") ? 1 : 0;
                checkMerges(http, port, perProfile, acked, sent);
                ExecutorService clients = Executors.newFixedThreadPool(5);
                for (int t = 0; t < 4; t++) {
                    String service = services.get(t % services.size());
                    clients.submit(() -> {
                        while (running.get()) {
                            String id = Profiles.tag(ids.incrementAndGet());
                            sent.get(service).add(id);
                            if (post(http, port, "/v1/submit?service=" + service, RunningCollector.SUBMIT_KEY,
                                    Profiles.withComment(base, id)) == 204) {
                                acked.get(service).add(id);
                            }
                        }
                        return null;
                    });
                }
                clients.submit(() -> {
                    for (int n = 0; running.get(); n++) {
                        // The combine client's pace: a combine every 40 ms or so beside the submits, each service in turn.
                        Thread.sleep(40);
                        if (post(http, port, "/v1/merge?and_combine=true&service=" + services.get(n % services.size()),
                                RunningCollector.MERGE_KEY, new byte[0]) == 200) {
                            combinesAcked.incrementAndGet();
                        }
                    }
                    return null;
                });
                // The kill lands at a random moment of the load (seeded: the same moments each run), once
                // this round has acknowledged a submit.
                int ackedBefore = ackedCount(acked);
                Poll.until("a submit acknowledged in round " + round, Duration.ofSeconds(30), () -> ackedCount(acked) > ackedBefore);
                Thread.sleep(300 + random.nextInt(900));
                if (round % 2 == 1) {
                    // Every other round, the kill lands inside a replacement: alternately once its new file is
                    // being written (rolled back at restart) and once its journal is committed (rolled forward or back).
                    caughtMidway += awaitReplacement(List.of(tmp.resolve("store"), tmp.resolve("store/services/svc-b")), round % 4 == 3,
                            Duration.ofSeconds(5)) ? 1 : 0;
                }
                collector.kill();
                running.set(false);
                clients.shutdown();
                assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            }
        }
        try (CollectorProcess last = CollectorProcess.start(tmp, port, List.of("-Xmx256m"), env)) {
            recovered += Files.readString(last.log).contains("interrupted replacement") ? 1 : 0;
            checkMerges(http, port, perProfile, acked, sent);
            assertThat(last.terminate()).isZero();
        }
        System.out.printf("%d SIGKILLs (%d with a replacement under way): %d submits acknowledged, %d combines answered,"
                + " %d restarts found a journal to roll forward or back%n", ROUNDS, caughtMidway, ackedCount(acked),
                combinesAcked.get(), recovered);
        assertThat(caughtMidway).as("kills that landed inside a rollup or combine").isGreaterThanOrEqualTo(ROUNDS / 4);
        assertThat(recovered).as("restarts that found a committed journal").isPositive();
        assertThat(ackedCount(acked)).isGreaterThan(ROUNDS * 20);
        assertThat(acked.values()).allSatisfy(a -> assertThat(a).hasSizeGreaterThan(ROUNDS * 5));
    }

    private static int ackedCount(Map<String, Set<String>> acked) {
        return acked.values().stream().mapToInt(Set::size).sum();
    }

    private static void checkMerges(HttpClient http, int port, long perProfile, Map<String, Set<String>> acked,
                                    Map<String, Set<String>> sent) throws Exception {
        for (String service : acked.keySet()) {
            checkMerge(http, port, "?service=" + service, perProfile, acked.get(service), sent.get(service));
        }
    }

    private static void checkMerge(HttpClient http, int port, String query, long perProfile, Set<String> acked, Set<String> sent)
            throws Exception {
        HttpResponse<byte[]> r = CollectorProcess.merge(http, port, query);
        if (acked.isEmpty() && r.statusCode() == 404) {
            return;
        }
        assertThat(r.statusCode()).isEqualTo(200);
        Profile p = TestData.proto(r.body());
        List<String> present = Profiles.tags(p);
        assertThat(present).as("no profile twice").doesNotHaveDuplicates();
        assertThat(present).as("every 204'd profile").containsAll(acked);
        assertThat(sent).as("nothing never sent").containsAll(present);
        long total = Profiles.totalSamples(p);
        assertThat(total).as("total samples: one copy of each profile present").isEqualTo(perProfile * present.size());
    }

    /** Polls until a replacement (rollup or combine) is being written or committed; false on timeout. */
    private static boolean awaitReplacement(List<Path> stores, boolean journal, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        for (int i = 0; System.nanoTime() < end; i++) {
            try (var files = Files.list(stores.get(i % stores.size()))) {
                if (files.map(p -> p.getFileName().toString()).anyMatch(n -> journal ? n.equals("combine.journal")
                        : n.startsWith(".tmp-0000000000000-") || n.startsWith(".tmp-") && n.contains("-0000000000-"))) {
                    return true;
                }
            } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException raced) {
                // a file vanished while listed (or the service's store is not made yet): look again
            }
        }
        return false;
    }

    private static int post(HttpClient http, int port, String path, String key, byte[] body) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception connectionLost) {
            return -1;
        }
    }
}
