package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.config.NetworkTransport;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.pprof.ProfileWriter;
import dev.pgofleet.store.DiskStore;
import dev.pgofleet.testing.Canonical;
import dev.pgofleet.testing.NativeEpoll;
import dev.pgofleet.testing.RawHttp;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The collector on a real socket and disk: the wire contract of the original, and ours on top, on
 * each of the transports {@code PGOF_TRANSPORT} chooses from.
 */
@ParameterizedClass(name = "PGOF_TRANSPORT={0}")
@ValueSource(strings = {"nio", "epoll"})
class CollectorSocketTest {
    @Parameter
    String transport;
    @TempDir
    Path tmp;
    RunningCollector c;

    @BeforeEach
    void start() throws Exception {
        NativeEpoll.assumeLoadsFor(transport);
        c = RunningCollector.start(tmp, Map.of("PGOF_MAX_BODY_BYTES", "4000000", "PGOF_TRANSPORT", transport));
    }

    @Test
    void runsOnTheTransportItWasGiven() {
        assertThat(c.server.transport()).isEqualTo(NetworkTransport.valueOf(transport.toUpperCase(Locale.ROOT)));
    }

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
    }

    @Test
    void submitThenMergeEqualsTheEngineMergeOfTheSameFiles() throws Exception {
        List<Path> files = TestData.fleet().subList(0, 6);
        for (Path f : files) {
            HttpResponse<String> r = c.submit(Files.readAllBytes(f));
            assertThat(r.statusCode()).isEqualTo(204);
            assertThat(r.body()).isEmpty();
        }
        HttpResponse<byte[]> merged = c.merge("");
        assertThat(merged.statusCode()).isEqualTo(200);
        assertThat(merged.headers().firstValue("content-type")).hasValue("application/octet-stream");
        byte[] expected = ProfileWriter.write(ParallelFold.mergeFiles(files, DecodeLimits.DEFAULT, true, 2, n -> {}));
        assertThat(merged.body()).isEqualTo(expected);
        assertThat(Canonical.of(merged.body())).isEqualTo(Canonical.of(expected));
    }

    @Test
    void etagIsTheSha256OfTheBodyAndIfNoneMatchGives304() throws Exception {
        c.submit(TestData.bytes("profiles/fleet/inst001.pprof"));
        HttpResponse<byte[]> first = c.merge("");
        String etag = first.headers().firstValue("etag").orElseThrow();
        assertThat(etag).isEqualTo("\"" + dev.pgofleet.store.MergeService.sha256Hex(first.body()) + "\"");
        HttpResponse<byte[]> again = c.send(HttpRequest.newBuilder(c.uri("/v1/merge"))
                .header("Authorization", "Bearer " + RunningCollector.MERGE_KEY).header("If-None-Match", etag)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        c.submit(TestData.bytes("profiles/fleet/inst002.pprof"));
        HttpResponse<byte[]> changed = c.send(HttpRequest.newBuilder(c.uri("/v1/merge"))
                .header("Authorization", "Bearer " + RunningCollector.MERGE_KEY).header("If-None-Match", etag)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(changed.statusCode()).isEqualTo(200);
    }

    @Test
    void mergeOfAnEmptyStoreIs404() {
        HttpResponse<byte[]> r = c.merge("");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(new String(r.body())).isEqualTo("no profiles stored yet\n");
    }

    @Test
    void andCombineReplacesTheStoreByItsMerge() throws Exception {
        for (Path f : TestData.fleet().subList(0, 5)) {
            c.submit(Files.readAllBytes(f));
        }
        assertThat(c.storedCount()).isEqualTo(5);
        HttpResponse<byte[]> combined = c.merge("?and_combine=true");
        assertThat(combined.statusCode()).isEqualTo(200);
        assertThat(c.storedCount()).isEqualTo(1);
        assertThat(Canonical.of(c.merge("").body())).isEqualTo(Canonical.of(combined.body()));
        assertThat(c.merge("?and_combine=yes").statusCode()).as("any other value means false").isEqualTo(200);
        assertThat(c.storedCount()).isEqualTo(1);
    }

    @Test
    void stripLabelsGivesTheLabelFreeForm() throws Exception {
        c.submit(TestData.bytes("profiles/fleet/inst002.pprof"));
        byte[] stripped = c.merge("?strip_labels=true").body();
        assertThat(Canonical.of(stripped)).doesNotContain("endpoint=");
        assertThat(Canonical.of(c.merge("").body())).contains("{endpoint=/items}");
    }

    @Test
    void metricsMoveAsRequestsAreMade() throws Exception {
        String before = metrics();
        assertThat(before).contains("pgof_stored_profiles{service=\"default\"} 0.0").contains("jvm_memory_used_bytes");
        c.submit(TestData.bytes("profiles/fleet/inst001.pprof"));
        c.submit(TestData.bytes("profiles/noncpu/heap.pprof"));
        c.send(HttpRequest.newBuilder(c.uri("/v1/submit")).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1}))
                .build(), HttpResponse.BodyHandlers.ofString());
        c.merge("");
        String after = metrics();
        assertThat(after).contains("pgof_submits_total{outcome=\"accepted\",service=\"default\"} 1.0")
                .contains("pgof_submits_total{outcome=\"invalid\",service=\"default\"} 1.0")
                .contains("pgof_submits_total{outcome=\"unauthorized\",service=\"default\"} 1.0")
                .contains("pgof_stored_profiles{service=\"default\"} 1.0")
                .contains("pgof_compaction_lag_profiles{service=\"default\"} 1.0")
                .contains("pgof_merges_total{kind=\"merge\",service=\"default\"} 1.0")
                .contains("pgof_merge_duration_seconds_count{service=\"default\"} 1")
                .containsPattern("pgof_received_bytes_total [1-9]");
    }

    private String metrics() {
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(c.uri("/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        return r.body();
    }

    @Test
    void healthz() throws Exception {
        for (String method : List.of("GET", "POST", "HEAD")) {
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(c.uri("/healthz"))
                    .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            if (!method.equals("HEAD")) {
                assertThat(r.body()).isEqualTo("OK\n");
            }
        }
    }

    @Test
    void readyzTurnsUnreadyWhenTheStoreCannotBeWritten() throws Exception {
        HttpResponse<String> ready = c.send(HttpRequest.newBuilder(c.uri("/readyz")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        Path store = ((DiskStore) c.server.store()).directory();
        Path moved = tmp.resolve("moved-away");
        Files.move(store, moved); // the store vanishes (an unmounted volume): nothing can be written
        try {
            HttpResponse<String> unready = c.send(HttpRequest.newBuilder(c.uri("/readyz")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(unready.statusCode()).isEqualTo(503);
            assertThat(unready.body()).as("the store and the reason, in words")
                    .isEqualTo("not ready: store not writable: " + store + ": no such file or directory\n");
            assertThat(c.submit(TestData.bytes("profiles/fleet/inst001.pprof")).statusCode()).as("never 204").isEqualTo(503);
            HttpResponse<String> health = c.send(HttpRequest.newBuilder(c.uri("/healthz")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).as("liveness is unaffected").isEqualTo(200);
        } finally {
            Files.move(moved, store);
        }
        assertThat(c.send(HttpRequest.newBuilder(c.uri("/readyz")).GET().build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
    }

    @Test
    void wrongMethodIs405WithAllowAndUnknownPathIs404() {
        HttpResponse<String> get = c.send(HttpRequest.newBuilder(c.uri("/v1/submit")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("allow")).hasValue("POST");
        HttpResponse<String> put = c.send(HttpRequest.newBuilder(c.uri("/v1/merge"))
                .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(c.send(HttpRequest.newBuilder(c.uri("/v2/submit")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
    }

    @Test
    void badOrMissingKeysAre401AndKeysDoNotCrossEndpoints() {
        byte[] body = TestData.bytes("profiles/fleet/inst001.pprof");
        for (String auth : new String[] {null, "Bearer nope", "Basic " + RunningCollector.SUBMIT_KEY,
                "Bearer " + RunningCollector.MERGE_KEY, "Bearer", "Bearer  "}) {
            HttpRequest.Builder b = HttpRequest.newBuilder(c.uri("/v1/submit")).POST(HttpRequest.BodyPublishers.ofByteArray(body));
            if (auth != null) {
                b.header("Authorization", auth);
            }
            HttpResponse<String> r = c.send(b.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(String.valueOf(auth)).isEqualTo(401);
            assertThat(r.headers().firstValue("www-authenticate")).hasValue("Bearer");
        }
        HttpResponse<String> merge = c.send(HttpRequest.newBuilder(c.uri("/v1/merge"))
                .header("Authorization", "Bearer " + RunningCollector.SUBMIT_KEY)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(merge.statusCode()).isEqualTo(401);
        assertThat(c.storedCount()).isZero();
        // The bearer prefix is case-insensitive, as in the original.
        HttpResponse<String> lower = c.send(HttpRequest.newBuilder(c.uri("/v1/submit"))
                .header("Authorization", "bEaReR " + RunningCollector.SUBMIT_KEY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(lower.statusCode()).isEqualTo(204);
    }

    static Stream<String> refusedFiles() {
        return Stream.of("bad/empty.bin", "bad/random-bytes.bin", "bad/truncated-gzip.bin", "bad/gzip-bomb.bin",
                "bad/string0-not-empty.bin", "bad/location-unknown-function.bin", "bad/sample-value-count.bin",
                "bad/string-index-out-of-range.bin", "profiles/noncpu/allocs.pprof", "profiles/noncpu/block.pprof",
                "profiles/noncpu/goroutine.pprof", "profiles/noncpu/heap.pprof", "profiles/noncpu/mutex.pprof",
                "profiles/noncpu/goroutine-debug1.txt");
    }

    @ParameterizedTest
    @MethodSource("refusedFiles")
    void invalidProfilesAre400WithAOneLineReasonAndStoreNothing(String file) {
        HttpResponse<String> r = c.submit(TestData.bytes(file));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).startsWith("invalid profile: ").endsWith("\n");
        assertThat(r.body().strip()).doesNotContain("\n");
        assertThat(c.storedCount()).isZero();
        assertThat(c.submit(TestData.bytes("profiles/fleet/inst001.pprof")).statusCode()).as("still serving").isEqualTo(204);
    }

    @Test
    void rawUncompressedProfileIsAccepted() {
        assertThat(c.submit(TestData.bytes("bad/raw-uncompressed.bin")).statusCode()).isEqualTo(204);
        assertThat(c.storedCount()).isEqualTo(1);
    }

    @Test
    void chunkedBodiesAreAccepted() throws Exception {
        byte[] body = TestData.bytes("profiles/fleet/inst003.pprof");
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(c.uri("/v1/submit"))
                .header("Authorization", "Bearer " + RunningCollector.SUBMIT_KEY)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(Files.readAllBytes(c.server.store().snapshot().get(0))).as("stored as received").isEqualTo(body);
    }

    @Test
    void expectContinueIsAnsweredOnlyAfterAuthentication() throws Exception {
        byte[] body = TestData.bytes("profiles/fleet/inst001.pprof");
        String head = "POST /v1/submit HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\nExpect: 100-continue\r\n";
        try (RawHttp raw = new RawHttp(c.port())) {
            raw.write(head + "Authorization: Bearer wrong\r\n\r\n");
            String r = raw.readResponse();
            assertThat(r).startsWith("HTTP/1.1 401").doesNotContain("100 Continue");
            assertThat(raw.closedByServer()).isTrue();
        }
        try (RawHttp raw = new RawHttp(c.port())) {
            raw.write(head + "Authorization: Bearer " + RunningCollector.SUBMIT_KEY + "\r\n\r\n");
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 100 Continue");
            raw.write(body);
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 204");
        }
    }

    @Test
    void curlWithExpectContinueWorks() throws Exception {
        Path curl = Stream.of("/usr/bin/curl", "/bin/curl").map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(curl != null, "curl is not installed");
        Path big = tmp.resolve("big.pprof");
        Files.write(big, dev.pgofleet.testing.Profiles.withComment(TestData.bytes("profiles/fleet/inst001.pprof"),
                randomText(2_500_000)));
        Process p = new ProcessBuilder(curl.toString(), "-sS", "-v", "-o", "/dev/null", "-w", "%{http_code}",
                "-H", "Authorization: Bearer " + RunningCollector.SUBMIT_KEY, "--data-binary", "@" + big, c.uri("/v1/submit").toString())
                .redirectError(tmp.resolve("curl.err").toFile()).start();
        String code = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).isZero();
        String verbose = Files.readString(tmp.resolve("curl.err"));
        assertThat(verbose).contains("Expect: 100-continue");
        assertThat(code).isEqualTo("204");
    }

    private static String randomText(int n) {
        java.util.Random r = new java.util.Random(7);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append((char) ('a' + r.nextInt(26)));
        }
        return b.toString();
    }

    @Test
    void bodyOverTheLimitIs413BeforeReading() throws Exception {
        try (RawHttp raw = new RawHttp(c.port())) {
            raw.write("POST /v1/submit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + RunningCollector.SUBMIT_KEY
                    + "\r\nContent-Length: 5000000\r\n\r\n");
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 413");
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void chunkedBodyPassingTheLimitIs413AndClose() throws Exception {
        try (RawHttp raw = new RawHttp(c.port())) {
            raw.write("POST /v1/submit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + RunningCollector.SUBMIT_KEY
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n");
            byte[] chunk = new byte[1 << 20];
            String size = Integer.toHexString(chunk.length) + "\r\n";
            try {
                for (int i = 0; i < 5; i++) {
                    raw.write(size).write(chunk).write("\r\n");
                }
            } catch (IOException closedWhileSending) {
                // the server may close before we finish: that is the point
            }
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 413");
        }
        assertThat(c.storedCount()).isZero();
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        byte[] body = TestData.bytes("profiles/fleet/inst001.pprof");
        String submit = "POST /v1/submit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + RunningCollector.SUBMIT_KEY
                + "\r\nContent-Length: " + body.length + "\r\n\r\n";
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        all.writeBytes(submit.getBytes());
        all.writeBytes(body);
        all.writeBytes("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
        try (RawHttp raw = new RawHttp(c.port())) {
            raw.write(all.toByteArray());
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 204");
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 200").endsWith("OK\n");
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 404");
        }
    }

    @Test
    void keepAliveServesManyRequestsOnOneConnection() throws Exception {
        try (RawHttp raw = new RawHttp(c.port())) {
            for (int i = 0; i < 5; i++) {
                raw.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(raw.readResponse()).startsWith("HTTP/1.1 200");
            }
        }
    }

    @Test
    void malformedRequestIs400AndClose() throws Exception {
        try (RawHttp raw = new RawHttp(c.port())) {
            raw.write("POST /v1/submit HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                    + "Authorization: Bearer " + RunningCollector.SUBMIT_KEY + "\r\n\r\nzz\r\n");
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 400");
            assertThat(raw.closedByServer()).isTrue();
        }
    }
}
