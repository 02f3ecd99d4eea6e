package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.pprof.ProfileWriter;
import dev.pgofleet.store.Services;
import dev.pgofleet.testing.Canonical;
import dev.pgofleet.testing.RawHttp;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.json.Json;

/**
 * Several services on one collector, on a real socket and disk: each service's merge is the merge
 * of exactly its files, the default service is today's store, bad names and refused submits
 * create nothing, PGOF_MAX_SERVICES holds under a burst, and /v1/services tells the truth.
 */
class ServicesSocketTest {
    @TempDir
    Path tmp;

    /** Submits the way the original's Go package does: chunked body, Bearer key, the service in the URL. */
    static HttpResponse<String> submitChunked(RunningCollector c, String query, byte[] body) {
        return c.send(HttpRequest.newBuilder(c.uri("/v1/submit" + query)).header("Authorization", "Bearer " + RunningCollector.SUBMIT_KEY)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Submits the way curl --data-binary does: Content-Length, on a connection of its own. */
    static String submitCurl(int port, String query, byte[] body) throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            http.write("POST /v1/submit" + query + " HTTP/1.1\r\nHost: collector\r\nAuthorization: Bearer "
                    + RunningCollector.SUBMIT_KEY + "\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n");
            http.write(body);
            return http.readResponse();
        }
    }

    static byte[] engineMerge(List<Path> files) throws Exception {
        return ProfileWriter.write(ParallelFold.mergeFiles(files, DecodeLimits.DEFAULT, true, 2, n -> {}));
    }

    static List<String> pprofFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pprof")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void threeServicesEachMergeIsTheMergeOfExactlyItsFiles() throws Exception {
        List<Path> fleet = TestData.fleet();
        List<Path> a = fleet.subList(0, 3), b = fleet.subList(3, 5), dflt = fleet.subList(5, 9);
        try (RunningCollector c = RunningCollector.start(tmp, Map.of("PGOF_COMPACT_INTERVAL", "1h"))) {
            for (Path f : a) {
                assertThat(submitChunked(c, "?service=svc-a", Files.readAllBytes(f)).statusCode()).isEqualTo(204);
            }
            for (Path f : b) {
                assertThat(submitCurl(c.port(), "?service=svc.b_2", Files.readAllBytes(f))).startsWith("HTTP/1.1 204");
            }
            for (Path f : dflt) {
                assertThat(c.submit(Files.readAllBytes(f)).statusCode()).as("no parameter: the default service").isEqualTo(204);
            }
            assertThat(c.merge("?service=svc-a").body()).isEqualTo(engineMerge(a));
            assertThat(c.merge("?service=svc.b_2").body()).isEqualTo(engineMerge(b));
            assertThat(c.merge("").body()).isEqualTo(engineMerge(dflt));
            assertThat(c.merge("?service=default").body()).isEqualTo(engineMerge(dflt));

            Path store = tmp.resolve("store");
            assertThat(pprofFiles(store)).as("the default service stays at the root").hasSize(4);
            assertThat(pprofFiles(store.resolve("services/svc-a"))).hasSize(3);
            assertThat(pprofFiles(store.resolve("services/svc.b_2"))).hasSize(2);
            try (Stream<Path> s = Files.list(store.resolve("services"))) {
                assertThat(s.map(p -> p.getFileName().toString()).sorted()).containsExactly("svc-a", "svc.b_2");
            }

            // Each service has its own ETag: a submit to another leaves it current.
            HttpResponse<byte[]> first = c.merge("?service=svc-a");
            String etag = first.headers().firstValue("etag").orElseThrow();
            assertThat(submitChunked(c, "?service=svc.b_2", Files.readAllBytes(fleet.get(9))).statusCode()).isEqualTo(204);
            HttpResponse<byte[]> again = c.send(HttpRequest.newBuilder(c.uri("/v1/merge?service=svc-a"))
                    .header("Authorization", "Bearer " + RunningCollector.MERGE_KEY).header("If-None-Match", etag)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(again.statusCode()).isEqualTo(304);
            assertThat(c.merge("?service=svc.b_2&strip_labels=true").statusCode()).isEqualTo(200);
            assertThat(c.merge("?service=svc-a&since=1h").body()).isEqualTo(engineMerge(a));

            // and_combine replaces that service's files only.
            assertThat(c.merge("?service=svc-a&and_combine=true").body()).isEqualTo(engineMerge(a));
            assertThat(pprofFiles(store.resolve("services/svc-a"))).hasSize(1);
            assertThat(pprofFiles(store)).hasSize(4);
            assertThat(pprofFiles(store.resolve("services/svc.b_2"))).hasSize(3);

            HttpResponse<String> summary = c.send(HttpRequest.newBuilder(c.uri("/v1/summary?service=svc.b_2"))
                    .header("Authorization", "Bearer " + RunningCollector.MERGE_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(summary.statusCode()).isEqualTo(200);
            assertThat(summary.body()).contains("\"service\":\"svc.b_2\"");

            String metrics = c.send(HttpRequest.newBuilder(c.uri("/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("pgof_submits_total{outcome=\"accepted\",service=\"svc-a\"} 3.0")
                    .contains("pgof_submits_total{outcome=\"accepted\",service=\"svc.b_2\"} 3.0")
                    .contains("pgof_submits_total{outcome=\"accepted\",service=\"default\"} 4.0")
                    .contains("pgof_stored_profiles{service=\"svc.b_2\"} 3.0")
                    .contains("pgof_stored_profiles{service=\"default\"} 4.0")
                    .contains("pgof_merges_total{kind=\"combine\",service=\"svc-a\"} 1.0");
        }
    }

    @Test
    void badNamesAre400AndCreateNothing() throws Exception {
        byte[] profile = TestData.bytes("profiles/fleet/inst001.pprof");
        try (RunningCollector c = RunningCollector.start(tmp, Map.of())) {
            for (String q : List.of("?service=Payments", "?service=..", "?service=a..b", "?service=%2e%2e", "?service=a%2Fb",
                    "?service=..%2F..%2Fetc", "?service=", "?service", "?service=" + "x".repeat(65), "?service=a&service=b",
                    "?service=%41", "?service=a%20b", "?service=-a", "?service=.a", "?service=a%00")) {
                HttpResponse<String> r = submitChunked(c, q, profile);
                assertThat(r.statusCode()).as(q).isEqualTo(400);
                assertThat(r.body()).as(q).startsWith("bad request: ").endsWith("\n").hasLineCount(1);
                assertThat(submitCurl(c.port(), q, profile)).as(q).startsWith("HTTP/1.1 400");
                assertThat(c.merge(q).statusCode()).as(q).isEqualTo(400);
            }
            assertThat(submitChunked(c, "?service=new-one", TestData.bytes("profiles/noncpu/heap.pprof")).statusCode())
                    .as("an invalid profile creates no service").isEqualTo(400);
            assertThat(c.merge("?service=never").statusCode()).as("a merge of a service never stored: as an empty store").isEqualTo(404);
            assertThat(c.merge("?service=never&and_combine=true").statusCode()).isEqualTo(404);
            assertThat(c.send(HttpRequest.newBuilder(c.uri("/v1/summary?service=never"))
                    .header("Authorization", "Bearer " + RunningCollector.MERGE_KEY).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
            Path store = tmp.resolve("store");
            assertThat(store.resolve("services")).doesNotExist();
            assertThat(pprofFiles(store)).isEmpty();
            assertThat(c.server.services().count()).isEqualTo(1);
            assertThat(c.submit(profile).statusCode()).as("still serving").isEqualTo(204);
        }
    }

    @Test
    void maxServicesHoldsUnderABurstOfNewNamesFromManyConnections() throws Exception {
        byte[] profile = TestData.bytes("profiles/fleet/inst002.pprof");
        int connections = 16;
        ExecutorService threads = Executors.newFixedThreadPool(connections);
        try (RunningCollector c = RunningCollector.start(tmp, Map.of("PGOF_MAX_SERVICES", "5", "PGOF_WORKER_QUEUE", "64"))) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                String q = "?service=burst-" + i;
                answers.add(threads.submit(() -> {
                    go.await();
                    return submitCurl(c.port(), q, profile);
                }));
            }
            go.countDown();
            int accepted = 0, refused = 0;
            for (Future<String> f : answers) {
                String r = f.get();
                if (r.startsWith("HTTP/1.1 204")) {
                    accepted++;
                } else {
                    assertThat(r).startsWith("HTTP/1.1 403").contains("too many services");
                    refused++;
                }
            }
            assertThat(accepted).as("the default service plus four").isEqualTo(4);
            assertThat(refused).isEqualTo(connections - 4);
            try (Stream<Path> s = Files.list(tmp.resolve("store/services"))) {
                assertThat(s.count()).as("nothing created for a refused submit").isEqualTo(4);
            }
            assertThat(c.server.services().count()).isEqualTo(5);
            String existing = c.server.services().all().get(0).name();
            String q = existing.equals("default") ? "" : "?service=" + existing;
            assertThat(submitCurl(c.port(), q, profile)).as("existing services go on").startsWith("HTTP/1.1 204");
            String metrics = c.send(HttpRequest.newBuilder(c.uri("/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("pgof_submits_total{outcome=\"too_many_services\",service=\"_unknown\"} 12.0");
        } finally {
            threads.shutdownNow();
        }
    }

    private static List<Map<String, Object>> services(RunningCollector c) {
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(c.uri("/v1/services"))
                .header("Authorization", "Bearer " + RunningCollector.MERGE_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
        return new Json().toType(r.body(), Json.LIST_OF_MAPS_TYPE);
    }

    private static long sizes(Path dir) throws IOException {
        long total = 0;
        for (String n : pprofFiles(dir)) {
            total += Files.size(dir.resolve(n));
        }
        return total;
    }

    @Test
    void servicesListsEachWithExactFiguresAfterCompactionAndAfterARestart() throws Exception {
        List<Path> fleet = TestData.fleet();
        Path store = tmp.resolve("store");
        long before = System.currentTimeMillis();
        List<Map<String, Object>> compacted;
        try (RunningCollector c = RunningCollector.start(tmp, Map.of("PGOF_COMPACT_INTERVAL", "1h"))) {
            HttpResponse<String> unauthorized = c.send(HttpRequest.newBuilder(c.uri("/v1/services"))
                    .header("Authorization", "Bearer " + RunningCollector.SUBMIT_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(unauthorized.statusCode()).as("a merge key is needed").isEqualTo(401);
            assertThat(services(c)).hasSize(1);
            assertThat(services(c).get(0)).containsEntry("name", "default").containsEntry("profiles", 0L)
                    .containsEntry("first_received", null).containsEntry("waiting", 0L);
            for (int i = 0; i < 5; i++) {
                submitChunked(c, "?service=zeta", Files.readAllBytes(fleet.get(i)));
            }
            for (int i = 5; i < 7; i++) {
                submitChunked(c, "?service=alpha", Files.readAllBytes(fleet.get(i)));
            }
            long after = System.currentTimeMillis();
            List<Map<String, Object>> listed = services(c);
            assertThat(listed).extracting(m -> m.get("name")).containsExactly("alpha", "default", "zeta");
            Map<String, Object> zeta = listed.get(2);
            assertThat(zeta).containsEntry("profiles", 5L).containsEntry("waiting", 5L)
                    .containsEntry("bytes", sizes(store.resolve("services/zeta")));
            long first = java.time.Instant.parse((String) zeta.get("first_received")).toEpochMilli();
            long last = java.time.Instant.parse((String) zeta.get("last_received")).toEpochMilli();
            assertThat(first).isBetween(before, last);
            assertThat(last).isBetween(first, after);
            assertThat(listed.get(0)).containsEntry("profiles", 2L).containsEntry("waiting", 2L);

            for (Services.Service s : c.server.services().all()) {
                s.compactor().runOnce();
            }
            compacted = services(c);
            assertThat(compacted.get(2)).containsEntry("name", "zeta").containsEntry("profiles", 5L).containsEntry("waiting", 0L)
                    .containsEntry("bytes", sizes(store.resolve("services/zeta")));
            assertThat(pprofFiles(store.resolve("services/zeta"))).hasSizeLessThanOrEqualTo(2); // one rollup per hour
            long rolledFirst = java.time.Instant.parse((String) compacted.get(2).get("first_received")).toEpochMilli();
            long rolledLast = java.time.Instant.parse((String) compacted.get(2).get("last_received")).toEpochMilli();
            assertThat(rolledFirst).as("a rollup counts from the start of its hour").isEqualTo(first - first % 3_600_000);
            assertThat(rolledLast).as("up to when it was made").isBetween(last, System.currentTimeMillis());
            assertThat(compacted.get(0)).containsEntry("name", "alpha").containsEntry("profiles", 2L).containsEntry("waiting", 0L);
        }
        try (RunningCollector c = RunningCollector.start(tmp, Map.of("PGOF_COMPACT_INTERVAL", "1h"))) {
            assertThat(c.server.services().count()).as("every service opened at start").isEqualTo(3);
            assertThat(services(c)).isEqualTo(compacted);
            assertThat(c.merge("?service=alpha").body()).isEqualTo(engineMerge(fleet.subList(5, 7)));
        }
    }

    @Test
    void aServiceUnderASustainedBurstDoesNotKeepAnotherFromBeingCompactedAndCurrent() throws Exception {
        byte[] burst = TestData.bytes("profiles/fleet/inst003.pprof");
        List<Path> few = TestData.fleet().subList(10, 13);
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger busyAccepted = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try (RunningCollector c = RunningCollector.start(tmp, Map.of("PGOF_COMPACT_INTERVAL", "100ms", "PGOF_WORKER_THREADS", "4"))) {
            for (int t = 0; t < 3; t++) {
                threads.submit(() -> {
                    while (running.get()) {
                        if (submitChunked(c, "?service=busy", burst).statusCode() == 204) {
                            busyAccepted.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
            dev.pgofleet.testing.Poll.until("the busy service compacting", Duration.ofSeconds(60),
                    () -> c.server.services().get("busy") != null && c.server.services().get("busy").compactor().foldedProfiles() > 0);
            for (Path f : few) {
                assertThat(c.submit(Files.readAllBytes(f)).statusCode()).isEqualTo(204);
            }
            Services.Service quiet = c.server.services().defaultService();
            dev.pgofleet.testing.Poll.until("the quiet service's profiles folded while the burst goes on", Duration.ofSeconds(20),
                    () -> quiet.store().unfoldedCount() == 0 && quiet.compactor().foldedProfiles() == 3);
            int atFold = busyAccepted.get();
            HttpResponse<byte[]> merged = c.merge("");
            assertThat(merged.statusCode()).isEqualTo(200);
            assertThat(merged.headers().firstValue("x-pgof-profiles")).hasValue("3");
            // Rolled up from the partials folded at submit: the same samples as the merge in arrival order, not the same bytes.
            assertThat(Canonical.of(merged.body())).isEqualTo(Canonical.of(engineMerge(few)));
            dev.pgofleet.testing.Poll.until("the burst still going", Duration.ofSeconds(20), () -> busyAccepted.get() > atFold + 20);
            running.set(false);
            threads.shutdown();
            assertThat(threads.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            HttpResponse<byte[]> busy = c.merge("?service=busy");
            assertThat(busy.headers().firstValue("x-pgof-profiles")).hasValue(Integer.toString(busyAccepted.get()));
            System.out.printf("quiet service compacted while the busy one took %d submits%n", busyAccepted.get());
        } finally {
            threads.shutdownNow();
        }
    }
}
