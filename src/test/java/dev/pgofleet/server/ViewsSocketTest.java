package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.MergedProfile;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.pprof.ProfileWriter;
import dev.pgofleet.report.FlameGraph;
import dev.pgofleet.report.TopFunctions;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.json.Json;

/** The summary, the flame graph and the web page's files on a real socket and disk. */
class ViewsSocketTest {
    static final String XSS = "<img src=x onerror=alert(1)>";

    @TempDir
    Path tmp;
    RunningCollector c;

    @BeforeEach
    void start() throws Exception {
        // No compaction pass during a test unless it asks for one: raw files keep exact per-build counts.
        c = RunningCollector.start(tmp, Map.of("PGOF_COMPACT_INTERVAL", "1h"));
    }

    @AfterEach
    void stop() throws Exception {
        c.close();
    }

    HttpResponse<String> get(String pathAndQuery, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(c.uri(pathAndQuery)).GET();
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static Map<String, Object> json(String body) {
        return new Json().toType(body, Json.MAP_TYPE);
    }

    @SuppressWarnings("unchecked")
    static <T> T at(Object o, Object... path) {
        Object x = o;
        for (Object p : path) {
            x = p instanceof Integer i ? ((List<Object>) x).get(i) : ((Map<String, Object>) x).get(p);
        }
        return (T) x;
    }

    static long num(Object o, Object... path) {
        return ((Number) at(o, path)).longValue();
    }

    @Test
    void summaryDescribesTheMergeOfWhatIsStored() throws Exception {
        assertThat(get("/v1/summary", RunningCollector.MERGE_KEY).statusCode()).isEqualTo(404);
        long before = System.currentTimeMillis();
        List<Path> files = List.of(TestData.path("profiles/std/compress_flate.pprof"), TestData.path("profiles/std/regexp.pprof"),
                TestData.path("profiles/std/regexp.pprof"));
        long stored = 0;
        for (Path f : files) {
            assertThat(c.submit(Files.readAllBytes(f)).statusCode()).isEqualTo(204);
            stored += Files.size(f);
        }
        long after = System.currentTimeMillis();
        MergedProfile merged = ParallelFold.mergeFiles(files, DecodeLimits.DEFAULT, true, 1, n -> {});
        TopFunctions top = TopFunctions.of(merged);

        HttpResponse<String> r = get("/v1/summary?top=7", RunningCollector.MERGE_KEY);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
        assertThat(r.headers().firstValue("x-content-type-options")).hasValue("nosniff");
        Map<String, Object> s = json(r.body());
        assertThat(at(s, "service").toString()).isEqualTo("default");
        assertThat(num(s, "profiles")).isEqualTo(3);
        assertThat(num(s, "bytes")).isEqualTo(stored);
        assertThat(num(s, "merge_bytes")).isEqualTo(c.merge("").body().length);
        assertThat(num(s, "cpu_nanoseconds")).isEqualTo(merged.total(1)).isEqualTo(top.total());
        assertThat(num(s, "samples")).isEqualTo(merged.total(0));
        assertThat(((Number) at(s, "duration_seconds")).doubleValue()).isCloseTo(merged.durationNanos() / 1e9, org.assertj.core.data.Offset.offset(1e-3));
        long first = Instant.parse(at(s, "first_received")).toEpochMilli(), last = Instant.parse(at(s, "last_received")).toEpochMilli();
        assertThat(first).isBetween(before, last);
        assertThat(last).isBetween(first, after);

        List<Object> rows = at(s, "top");
        assertThat(rows).hasSize(7);
        for (int i = 0; i < 7; i++) {
            TopFunctions.Entry e = top.top(7, false).get(i);
            assertThat(at(rows, i, "name").toString()).isEqualTo(e.name());
            assertThat(num(rows, i, "flat")).isEqualTo(e.flat());
            assertThat(num(rows, i, "cum")).isEqualTo(e.cum());
            assertThat(((Number) at(rows, i, "flat_percent")).doubleValue()).isCloseTo(100.0 * e.flat() / top.total(),
                    org.assertj.core.data.Offset.offset(1e-4));
        }
        assertThat(at(json(get("/v1/summary?top=3&sort=cum", RunningCollector.MERGE_KEY).body()), "top", 0, "name").toString())
                .isEqualTo(top.top(1, true).get(0).name());

        // Two main binaries (flate.test and regexp.test): profiles per build, newest first, CPU shares adding up.
        List<Object> builds = at(s, "builds");
        assertThat(builds).hasSize(2);
        assertThat(at(builds, 0, "file").toString()).endsWith("regexp.test");
        assertThat(num(builds, 0, "profiles")).isEqualTo(2);
        assertThat(at(builds, 1, "file").toString()).endsWith("flate.test");
        assertThat(num(builds, 1, "profiles")).isEqualTo(1);
        assertThat(num(builds, 0, "cpu_nanoseconds") + num(builds, 1, "cpu_nanoseconds")).isEqualTo(top.total());

        assertThat(num(s, "builds_unattributed_profiles")).isZero();

        // Cached with the merge; a new profile makes a new summary.
        assertThat(get("/v1/summary?top=7", RunningCollector.MERGE_KEY).body()).isEqualTo(r.body());
        assertThat(c.submit(Files.readAllBytes(files.get(0))).statusCode()).isEqualTo(204);
        assertThat(num(json(get("/v1/summary", RunningCollector.MERGE_KEY).body()), "profiles")).isEqualTo(4);
        List<Object> defaultTop = at(json(get("/v1/summary", RunningCollector.MERGE_KEY).body()), "top");
        assertThat(defaultTop).hasSize(50);
    }

    @Test
    void aRollupMixingBuildsKeepsExactCpuSharesAndCountsItsProfilesAsUnattributed() throws Exception {
        c.close();
        c = RunningCollector.start(tmp.resolve("rolling"), Map.of("PGOF_COMPACT_INTERVAL", "20ms"));
        List<Path> files = List.of(TestData.path("profiles/std/compress_flate.pprof"), TestData.path("profiles/std/regexp.pprof"),
                TestData.path("profiles/fleet/inst001.pprof"));
        for (Path f : files) {
            assertThat(c.submit(Files.readAllBytes(f)).statusCode()).isEqualTo(204);
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (c.storedCount() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(20); // polling for the compactor's pass
        }
        assertThat(c.storedCount()).as("one rollup").isEqualTo(1);
        TopFunctions top = TopFunctions.of(ParallelFold.mergeFiles(files, DecodeLimits.DEFAULT, true, 1, n -> {}));
        Map<String, Object> s = json(get("/v1/summary", RunningCollector.MERGE_KEY).body());
        assertThat(num(s, "profiles")).isEqualTo(3);
        assertThat(num(s, "files")).isEqualTo(1);
        assertThat(num(s, "builds_unattributed_profiles")).isEqualTo(3);
        List<Object> builds = at(s, "builds");
        assertThat(builds).hasSize(3);
        long cpu = 0;
        for (Object b : builds) {
            assertThat(num(b, "profiles")).isZero();
            cpu += num(b, "cpu_nanoseconds");
        }
        assertThat(cpu).isEqualTo(top.total()).isEqualTo(num(s, "cpu_nanoseconds"));
        assertThat(at(s, "top", 0, "name").toString()).isEqualTo(top.top(1, false).get(0).name());
    }

    @Test
    void flameGraphRootIsTheTotalAndEveryNodeItsChildrenPlusSelf() throws Exception {
        List<Path> files = TestData.goldenInputs("fleet-24");
        for (Path f : files) {
            assertThat(c.submit(Files.readAllBytes(f)).statusCode()).isEqualTo(204);
        }
        MergedProfile merged = ParallelFold.mergeFiles(files, DecodeLimits.DEFAULT, true, 1, n -> {});
        long total = TopFunctions.of(merged).total();
        HttpResponse<String> folded = get("/v1/flamegraph", RunningCollector.MERGE_KEY);
        assertThat(folded.statusCode()).isEqualTo(200);
        Map<String, Object> root = json(folded.body());
        assertThat(num(root, "value")).isEqualTo(total);
        int foldedNodes = checkNode(root, (long) Math.ceil(total * 0.001));
        Map<String, Object> whole = json(get("/v1/flamegraph?min_share=0", RunningCollector.MERGE_KEY).body());
        int allNodes = checkNode(whole, 0);
        assertThat(allNodes).isEqualTo(FlameGraph.size(FlameGraph.of(merged)));
        assertThat(foldedNodes).isLessThan(allNodes);
        StringBuilder expected = new StringBuilder();
        FlameGraph.writeJson(FlameGraph.of(merged), expected);
        assertThat(get("/v1/flamegraph?min_share=0", RunningCollector.MERGE_KEY).body()).isEqualTo(expected.toString());
        assertThat(get("/v1/flamegraph?min_share=0.5", RunningCollector.MERGE_KEY).body()).hasSizeLessThan(300);
    }

    /** Checks value = sum(children) + self and that no node is below the threshold; returns the node count. */
    static int checkNode(Map<String, Object> n, long threshold) {
        long sum = num(n, "self");
        int count = 1;
        List<Map<String, Object>> children = at(n, "children");
        if (children != null) {
            for (Map<String, Object> c : children) {
                assertThat(num(c, "value")).isGreaterThanOrEqualTo(threshold);
                sum += num(c, "value");
                count += checkNode(c, threshold);
            }
        }
        assertThat(num(n, "value")).as("value of %s", at(n, "name").toString()).isEqualTo(sum);
        return count;
    }

    @Test
    void dataNeedsTheMergeKeyAndBadParametersAreRefusedWithAReason() throws Exception {
        assertThat(c.submit(TestData.bytes("profiles/fleet/inst001.pprof")).statusCode()).isEqualTo(204);
        for (String path : List.of("/v1/summary", "/v1/flamegraph")) {
            HttpResponse<String> none = get(path, null);
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("www-authenticate")).hasValue("Bearer");
            assertThat(get(path, RunningCollector.SUBMIT_KEY).statusCode()).isEqualTo(401);
            assertThat(get(path + "?since=72h", RunningCollector.MERGE_KEY).statusCode()).isEqualTo(200);
            assertThat(get(path + "?since=2000-01-01T00:00:00Z", RunningCollector.MERGE_KEY).statusCode()).isEqualTo(200);
            assertThat(get(path + "?since=2999-01-01T00:00:00Z", RunningCollector.MERGE_KEY).statusCode()).isEqualTo(404);
            HttpResponse<String> post = c.send(HttpRequest.newBuilder(c.uri(path)).header("Authorization", "Bearer " + RunningCollector.MERGE_KEY)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("allow")).hasValue("GET");
        }
        Map<String, String> bad = Map.of(
                "/v1/summary?since=yesterday", "invalid since=yesterday: expected a duration (72h) or an RFC 3339 time\n",
                "/v1/summary?top=0", "invalid top=0: expected a whole number from 1 to 10000\n",
                "/v1/summary?sort=name", "invalid sort=name: expected flat or cum\n",
                "/v1/summary?service=Billing", "bad request: a service name starts with a lower-case letter or digit (service=Billing)\n",
                "/v1/flamegraph?min_share=2", "invalid min_share=2: expected a share from 0 to 1, such as 0.001\n",
                "/v1/flamegraph?form=compact", "invalid form=compact: expected full or lean\n");
        bad.forEach((q, reason) -> {
            HttpResponse<String> r = get(q, RunningCollector.MERGE_KEY);
            assertThat(r.statusCode()).as(q).isEqualTo(400);
            assertThat(r.body()).as(q).isEqualTo(reason);
        });
        assertThat(get("/v1/summary", RunningCollector.MERGE_KEY).statusCode()).as("still serving").isEqualTo(200);
    }

    @Test
    void thePageIsPublicStrictAndMakesNoExternalRequest() throws Exception {
        HttpResponse<String> page = get("/ui/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("content-security-policy").orElseThrow())
                .contains("default-src 'none'", "script-src 'self'", "connect-src 'self'").doesNotContain("unsafe");
        assertThat(page.headers().firstValue("x-content-type-options")).hasValue("nosniff");
        assertThat(page.body()).contains("<script src=\"d3.min.js\"", "<script src=\"app.js\"")
                .doesNotContainPattern("<script(?![^>]*\\bsrc=)").doesNotContainPattern("\\son[a-z]+=")
                .doesNotContain("http://", "https://", "//cdn");
        for (String asset : List.of("/ui/app.js", "/ui/app.css", "/ui/d3.min.js")) {
            HttpResponse<String> a = get(asset, null);
            assertThat(a.statusCode()).as(asset).isEqualTo(200);
            assertThat(a.headers().firstValue("x-content-type-options")).hasValue("nosniff");
            if (!asset.endsWith("d3.min.js")) {
                assertThat(a.body()).as(asset).doesNotContain("http://", "https://").doesNotContain("innerHTML");
            }
        }
        assertThat(get("/ui/d3.min.js", null).body()).startsWith("// https://d3js.org v7.9.0");
        assertThat(get("/ui", null).statusCode()).isEqualTo(301);
        assertThat(get("/ui/../merge_keys", null).statusCode()).isEqualTo(404);
        assertThat(get("/ui/nothing.js", null).statusCode()).isEqualTo(404);
    }

    @Test
    void aFunctionNamedLikeMarkupStaysText() throws Exception {
        assertThat(c.submit(withHottestFunctionNamed(TestData.bytes("profiles/fleet/inst001.pprof"), XSS)).statusCode()).isEqualTo(204);
        String summary = get("/v1/summary", RunningCollector.MERGE_KEY).body();
        assertThat(summary).doesNotContain("<img").contains("\\u003cimg src=x onerror=alert(1)\\u003e");
        assertThat(at(json(summary), "top", 0, "name").toString()).isEqualTo(XSS);
        assertThat(get("/v1/flamegraph", RunningCollector.MERGE_KEY).body()).doesNotContain("<img").contains("\\u003cimg");
    }

    /** The profile with the name of the function of its hottest leaf replaced. */
    static byte[] withHottestFunctionNamed(byte[] gz, String name) throws Exception {
        MergedProfile m = ParallelFold.mergeFiles(List.of(TestData.path("profiles/fleet/inst001.pprof")), DecodeLimits.DEFAULT, true, 1, n -> {});
        String hottest = TopFunctions.of(m).top(1, false).get(0).name();
        var p = TestData.proto(gz).toBuilder();
        int i = p.getStringTableList().indexOf(hottest);
        assertThat(i).isPositive();
        p.setStringTable(i, name);
        return p.build().toByteArray();
    }
}
