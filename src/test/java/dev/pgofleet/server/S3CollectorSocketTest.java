package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.proto.ProfileProto.Profile;
import dev.pgofleet.store.StoredFile;
import dev.pgofleet.testing.Poll;
import dev.pgofleet.testing.Profiles;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.S3Server;
import dev.pgofleet.testing.TestData;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The collector on S3 (s3proxy in this JVM) over a real socket: the same answers as on a directory, and an outage of the S3 server. */
class S3CollectorSocketTest {
    @TempDir
    static Path tmp;
    static S3Server s3;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = S3Server.start(tmp.resolve("s3"));
        S3Server.useTestCredentials();
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    private static Map<String, String> onS3(String prefix, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(s3.env(prefix));
        env.putAll(extra);
        return env;
    }

    @Test
    void submitMergeCompactionAndCombineGiveWhatTheDirectoryStoreGives(@TempDir Path dir) throws Exception {
        Map<String, String> fast = Map.of("PGOF_COMPACT_INTERVAL", "50ms", "PGOF_S3_SETTLE", "1ms");
        try (RunningCollector onDisk = RunningCollector.start(dir.resolve("dir"), Map.of("PGOF_COMPACT_INTERVAL", "1h"));
             RunningCollector onS3 = RunningCollector.start(dir.resolve("s3"), onS3("e2e/", Map.of("PGOF_COMPACT_INTERVAL", "1h")))) {
            assertThat(onS3.server.store().location()).isEqualTo("s3://" + S3Server.BUCKET + "/e2e/");
            for (Path f : TestData.fleet().subList(0, 10)) {
                byte[] body = java.nio.file.Files.readAllBytes(f);
                assertThat(onDisk.submit(body).statusCode()).isEqualTo(204);
                assertThat(onS3.submit(body).statusCode()).isEqualTo(204);
            }
            HttpResponse<byte[]> a = onDisk.merge(""), b = onS3.merge("");
            assertThat(b.statusCode()).isEqualTo(200);
            assertThat(b.body()).isEqualTo(a.body());
            assertThat(b.headers().firstValue("ETag")).isEqualTo(a.headers().firstValue("ETag"));
            String metrics = onS3.send(HttpRequest.newBuilder(onS3.uri("/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).containsPattern("pgof_storage_requests_total\\{operation=\"PUT\"} 1[0-9]\\.0")
                    .contains("pgof_storage_requests_total{operation=\"LIST\"}");
            assertThat(onDisk.send(HttpRequest.newBuilder(onDisk.uri("/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString())
                    .body()).doesNotContain("pgof_storage_requests_total{");
        }
        // The same objects, now with a compacting collector: rollups, then and_combine, merge to the same bytes
        // (the contract tests check that a combine of several objects replaces them on S3 too).
        try (RunningCollector onS3 = RunningCollector.start(dir.resolve("s3b"), onS3("e2e/", fast))) {
            Poll.until("the raw profiles folded into rollups", Duration.ofSeconds(20),
                    () -> onS3.server.store().list().stream().noneMatch(f -> f.kind() == StoredFile.Kind.RAW));
            byte[] before = onS3.merge("").body();
            HttpResponse<byte[]> combined = onS3.merge("?and_combine=true");
            assertThat(combined.statusCode()).isEqualTo(200);
            assertThat(combined.body()).isEqualTo(before);
            assertThat(onS3.server.store().list()).hasSize(1);
            assertThat(onS3.merge("").headers().firstValue("X-Pgof-Profiles")).hasValue("10");
        }
    }

    /**
     * Services on S3: each under {@code PREFIX/services/NAME/}, merged on its own; a replica that
     * did not create a service finds it (within the discovery interval) and answers its merge with
     * the same bytes and ETag; a collector started later opens it at start.
     */
    @Test
    void servicesHaveTheirOwnPrefixAndEveryReplicaFindsThem(@TempDir Path dir) throws Exception {
        List<Path> fleet = TestData.fleet();
        try (RunningCollector a = RunningCollector.start(dir.resolve("a"), onS3("svc/", Map.of("PGOF_COMPACT_INTERVAL", "1h")));
             RunningCollector b = RunningCollector.start(dir.resolve("b"), onS3("svc/", Map.of("PGOF_COMPACTOR", "off")))) {
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> r = a.send(HttpRequest.newBuilder(a.uri(i < 3 ? "/v1/submit?service=checkout" : "/v1/submit"))
                        .header("Authorization", "Bearer " + RunningCollector.SUBMIT_KEY)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(java.nio.file.Files.readAllBytes(fleet.get(i)))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(204);
            }
            assertThat(a.server.services().get("checkout").store().location())
                    .isEqualTo("s3://" + S3Server.BUCKET + "/svc/services/checkout/");
            HttpResponse<byte[]> checkout = a.merge("?service=checkout");
            assertThat(checkout.headers().firstValue("X-Pgof-Profiles")).hasValue("3");
            assertThat(a.merge("").headers().firstValue("X-Pgof-Profiles")).hasValue("2");
            Poll.until("the other replica finds the service", Duration.ofSeconds(30),
                    () -> b.merge("?service=checkout").statusCode() == 200);
            HttpResponse<byte[]> onB = b.merge("?service=checkout");
            assertThat(onB.body()).isEqualTo(checkout.body());
            assertThat(onB.headers().firstValue("ETag")).isEqualTo(checkout.headers().firstValue("ETag"));
        }
        try (RunningCollector later = RunningCollector.start(dir.resolve("c"), onS3("svc/", Map.of("PGOF_COMPACTOR", "off")))) {
            assertThat(later.server.services().get("checkout")).as("opened at start").isNotNull();
            assertThat(later.merge("?service=checkout").headers().firstValue("X-Pgof-Profiles")).hasValue("3");
        }
    }

    /**
     * The S3 server stops for 10 s under load: submits and merges get 503 with Retry-After (never
     * 204), /readyz 503; once it is back, submits are taken again, and the merge holds each 204'd
     * profile once (no object was set aside as unreadable meanwhile).
     */
    @Test
    void anOutageOfTheS3ServerGives503UntilItIsBack(@TempDir Path dir) throws Exception {
        byte[] base = TestData.bytes("profiles/fleet/inst011.pprof");
        Set<String> acked = ConcurrentHashMap.newKeySet();
        AtomicInteger ids = new AtomicInteger(), accepted = new AtomicInteger(), refusedWithRetryAfter = new AtomicInteger(),
                other = new AtomicInteger();
        AtomicBoolean down = new AtomicBoolean(), running = new AtomicBoolean(true);
        AtomicInteger acceptedWhileDown = new AtomicInteger();
        try (RunningCollector c = RunningCollector.start(dir, onS3("outage/", Map.of("PGOF_COMPACT_INTERVAL", "1h")))) {
            ExecutorService clients = Executors.newFixedThreadPool(4);
            for (int t = 0; t < 4; t++) {
                clients.submit(() -> {
                    while (running.get()) {
                        String id = Profiles.tag(ids.incrementAndGet());
                        boolean wasDown = down.get();
                        HttpResponse<String> r = c.submit(Profiles.withComment(base, id));
                        if (r.statusCode() == 204) {
                            acked.add(id);
                            accepted.incrementAndGet();
                            if (wasDown && down.get()) {
                                acceptedWhileDown.incrementAndGet();
                            }
                        } else if (r.statusCode() == 503 && r.headers().firstValue("Retry-After").isPresent()) {
                            refusedWithRetryAfter.incrementAndGet();
                        } else {
                            other.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
            Poll.until("submits accepted", Duration.ofSeconds(10), () -> accepted.get() > 20);
            s3.stop();
            down.set(true);
            long stoppedAt = System.nanoTime();
            Poll.until("/readyz 503", Duration.ofSeconds(10), () -> readyz(c) == 503);
            Poll.until("submits refused", Duration.ofSeconds(10), () -> refusedWithRetryAfter.get() > 10);
            long left = Duration.ofSeconds(10).toNanos() - (System.nanoTime() - stoppedAt);
            if (left > 0) {
                TimeUnit.NANOSECONDS.sleep(left); // the outage lasts 10 s, whatever the polls took
            }
            assertThat(readyz(c)).isEqualTo(503);
            HttpResponse<byte[]> mergeWhileDown = c.merge("");
            assertThat(mergeWhileDown.statusCode()).as("a merge while the S3 server is down").isEqualTo(503);
            assertThat(mergeWhileDown.headers().firstValue("Retry-After")).isPresent();
            down.set(false);
            s3.start();
            int before = accepted.get();
            Poll.until("/readyz 200 again", Duration.ofSeconds(20), () -> readyz(c) == 200);
            Poll.until("submits accepted again", Duration.ofSeconds(20), () -> accepted.get() > before + 20);
            running.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            assertThat(acceptedWhileDown.get()).as("204s while the S3 server was down").isZero();
            assertThat(other.get()).as("answers other than 204 and 503 with Retry-After").isZero();
            HttpResponse<byte[]> m = c.merge("");
            assertThat(m.statusCode()).isEqualTo(200);
            Profile p = TestData.proto(m.body());
            List<String> tags = Profiles.tags(p);
            assertThat(tags).doesNotHaveDuplicates();
            assertThat(Set.copyOf(tags)).isEqualTo(acked);
            assertThat(Profiles.totalSamples(p)).isEqualTo(Profiles.total(base, 0) * acked.size());
        } finally {
            running.set(false);
        }
    }

    private static int readyz(RunningCollector c) {
        return c.send(HttpRequest.newBuilder(c.uri("/readyz")).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
