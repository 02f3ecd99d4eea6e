package dev.pgofleet.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.proto.ProfileProto.Profile;
import dev.pgofleet.testing.CollectorProcess;
import dev.pgofleet.testing.Poll;
import dev.pgofleet.testing.Profiles;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.S3Server;
import dev.pgofleet.testing.TestData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two packaged collectors on one bucket and prefix (s3proxy in this JVM): one compacts, the other
 * has PGOF_COMPACTOR=off. Sixteen streams alternate their submits between them while both answer
 * merges; every merge from either holds each profile 204'd before it was asked for exactly once.
 * The non-compacting replica is SIGKILLed mid-stream and the compacting one while a rollup is
 * under way; both are restarted; at the end both give the same bytes and ETag.
 */
class S3ReplicasIT {
    private static final int STREAMS = 16;

    @TempDir
    Path tmp;

    private final byte[] base = TestData.bytes("profiles/fleet/inst011.pprof");
    private final long perProfile = Profiles.total(base, 0);
    private final Set<String> acked = ConcurrentHashMap.newKeySet(), sent = ConcurrentHashMap.newKeySet();
    private final AtomicInteger ids = new AtomicInteger(), merges = new AtomicInteger();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void twoReplicasOnOneBucketCountEveryAcknowledgedProfileOnceThroughKills() throws Exception {
        try (S3Server s3 = S3Server.start(tmp.resolve("s3"))) {
            int portA = CollectorProcess.freePort(), portB = CollectorProcess.freePort();
            Map<String, String> a = env(s3, Map.of("PGOF_COMPACTOR", "on")), b = env(s3, Map.of("PGOF_COMPACTOR", "off"));
            Path bucketDir = tmp.resolve("s3").resolve(S3Server.BUCKET).resolve("replicas");
            CollectorProcess[] replicas = {start("a", portA, a), start("b", portB, b)};
            int[] ports = {portA, portB};
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService clients = Executors.newFixedThreadPool(STREAMS + 2);
            List<Future<?>> work = new java.util.ArrayList<>();
            try {
                for (int s = 0; s < STREAMS; s++) {
                    int stream = s;
                    work.add(clients.submit(() -> {
                        for (int k = 0; running.get(); k++) {
                            String id = Profiles.tag(ids.incrementAndGet());
                            sent.add(id);
                            if (post(ports[(stream + k) % 2], "/v1/submit", RunningCollector.SUBMIT_KEY, Profiles.withComment(base, id)) == 204) {
                                acked.add(id);
                            }
                            Thread.sleep(60); // each stream's pace: the two JVMs and s3proxy share a small machine with the test
                        }
                        return null;
                    }));
                }
                for (int r = 0; r < 2; r++) {
                    int replica = r;
                    work.add(clients.submit(() -> {
                        while (running.get()) {
                            checkMerge(ports[replica], false);
                        }
                        return null;
                    }));
                }
                awaitAcked(200);
                // The replica that does not compact dies mid-stream and comes back.
                replicas[1].kill();
                awaitAcked(acked.size() + 50);
                replicas[1] = start("b2", portB, b);
                // The compacting one dies while a rollup is under way (its sidecar written, the rest to follow).
                boolean midway = awaitReplacement(bucketDir, Duration.ofSeconds(20));
                replicas[0].kill();
                awaitAcked(acked.size() + 50);
                replicas[0] = start("a2", portA, a);
                awaitAcked(acked.size() + 100);
                running.set(false);
                for (Future<?> f : work) {
                    f.get(60, TimeUnit.SECONDS); // a failed merge check fails the test here
                }
                System.out.printf("%d submits acknowledged by two replicas on one bucket, %d merges checked; compacting replica"
                        + " killed %s a replacement%n", acked.size(), merges.get(), midway ? "inside" : "outside");
                // Once the last raw profiles have settled and been folded, both replicas answer the same bytes and ETag.
                try {
                    Poll.until("the compacting replica folded everything", Duration.ofSeconds(30), () -> noRawLeft(bucketDir));
                } catch (AssertionError notFolded) {
                    List<String> left = rawLeft(bucketDir);
                    throw new AssertionError(notFolded.getMessage() + "; " + left.size() + " raw objects left, the first: "
                            + left.subList(0, Math.min(10, left.size()))
                            + "\nthe compacting replica's log, last lines:\n" + tail(replicas[0].log, 40), notFolded);
                }
                HttpResponse<byte[]> fromA = checkMerge(portA, true), fromB = checkMerge(portB, true);
                assertThat(fromB.body()).isEqualTo(fromA.body());
                assertThat(fromB.headers().firstValue("ETag")).isEqualTo(fromA.headers().firstValue("ETag"));
                // Merges on a small machine are slow while thousands of raw profiles wait: at least one besides the last two.
                assertThat(merges.get()).as("merges checked, while submits and kills went on and after").isGreaterThanOrEqualTo(3);
            } finally {
                running.set(false);
                clients.shutdownNow();
                for (CollectorProcess p : replicas) {
                    p.close();
                }
            }
        }
    }

    private Map<String, String> env(S3Server s3, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(s3.env("replicas"));
        env.put("PGOF_COMPACT_INTERVAL", "100ms");
        env.put("PGOF_S3_SETTLE", "2s");
        env.put("PGOF_LOG_LEVEL", "info");
        env.putAll(extra);
        return env;
    }

    private CollectorProcess start(String name, int port, Map<String, String> env) throws Exception {
        // C1 only and the serial collector: a quick start on a busy machine matters more here than peak speed.
        return CollectorProcess.start(tmp.resolve(name), port, List.of("-Xmx192m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), env);
    }

    private void awaitAcked(int n) throws Exception {
        System.out.printf("%tT awaiting %d acknowledged (%d now)%n", System.currentTimeMillis(), n, acked.size());
        Poll.until(n + " submits acknowledged", Duration.ofSeconds(30), () -> acked.size() >= n);
    }

    /** A merge holds every profile acknowledged before it was asked for, once, and nothing never sent. */
    private HttpResponse<byte[]> checkMerge(int port, boolean required) throws Exception {
        Set<String> before = Set.copyOf(acked);
        HttpResponse<byte[]> r;
        try {
            r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/merge")).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + RunningCollector.MERGE_KEY).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (java.io.IOException replicaDown) {
            assertThat(required).as("merge from the replica on " + port).isFalse();
            Thread.sleep(50);
            return null;
        }
        if (r.statusCode() == 404 && before.isEmpty()) {
            return r;
        }
        assertThat(r.statusCode()).as("merge status").isEqualTo(200);
        Profile p = TestData.proto(r.body());
        List<String> present = Profiles.tags(p);
        assertThat(present).as("no profile twice").doesNotHaveDuplicates();
        assertThat(present).as("every profile 204'd before the merge").containsAll(before);
        assertThat(sent).as("nothing never sent").containsAll(present);
        assertThat(Profiles.totalSamples(p)).as("one copy of each profile's samples").isEqualTo(perProfile * present.size());
        merges.incrementAndGet();
        return r;
    }

    /** Polls until a sidecar appears (a replacement under way); false on timeout. */
    private static boolean awaitReplacement(Path bucketDir, Duration timeout) throws Exception {
        Set<String> seen = names(bucketDir);
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            for (String n : names(bucketDir)) {
                if (n.endsWith(".covers") && !seen.contains(n)) {
                    return true;
                }
            }
            Thread.sleep(1); // listing thousands of names without a pause takes a core from the replicas
        }
        return false;
    }

    private static boolean noRawLeft(Path bucketDir) throws Exception {
        return rawLeft(bucketDir).isEmpty();
    }

    private static List<String> rawLeft(Path bucketDir) throws Exception {
        return names(bucketDir).stream().filter(n -> n.endsWith(".pprof") && !n.contains("-0000000000-") && !n.startsWith("0000000000000-"))
                .sorted().toList();
    }

    private static String tail(Path log, int lines) throws java.io.IOException {
        List<String> all = Files.readAllLines(log);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static Set<String> names(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException raced) {
            return Set.of();
        }
    }

    private int post(int port, String path, String key, byte[] body) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception connectionLost) {
            return -1;
        }
    }
}
