package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.CallEdges;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.ExcludedFunctions;
import dev.pgofleet.pprof.LeanProfile;
import dev.pgofleet.pprof.MergedProfile;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.pprof.ProfileWriter;
import dev.pgofleet.store.MergeService;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** form=lean and exclude= on a real collector: the same bytes as the transforms, own ETags, clear 400s. */
class LeanMergeSocketTest {
    @TempDir
    Path tmp;

    private static final List<Path> FILES = TestData.fleet().subList(0, 6);

    private static MergedProfile expected() throws Exception {
        return ParallelFold.mergeFiles(FILES, DecodeLimits.DEFAULT, true, 2, n -> {});
    }

    private static void submitAll(RunningCollector c) throws Exception {
        for (Path f : FILES) {
            assertThat(c.submit(Files.readAllBytes(f)).statusCode()).isEqualTo(204);
        }
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void leanIsTheLeanTransformOfTheMergeWithItsOwnEtag() throws Exception {
        RunningCollector c = RunningCollector.start(tmp, Map.of());
        try {
            submitAll(c);
            MergedProfile full = expected();
            HttpResponse<byte[]> lean = c.merge("?form=lean");
            assertThat(lean.statusCode()).isEqualTo(200);
            assertThat(lean.body()).isEqualTo(ProfileWriter.write(LeanProfile.of(full)));
            String etag = lean.headers().firstValue("etag").orElseThrow();
            assertThat(etag).isEqualTo("\"" + MergeService.sha256Hex(lean.body()) + "\"");
            HttpResponse<byte[]> fullAnswer = c.merge("?form=full");
            assertThat(fullAnswer.body()).isEqualTo(ProfileWriter.write(full)).isEqualTo(c.merge("").body());
            assertThat(lean.headers().firstValue("X-Pgof-Full-Bytes")).hasValue(Integer.toString(fullAnswer.body().length));
            assertThat(lean.body().length).isLessThan(fullAnswer.body().length);

            HttpResponse<byte[]> unchanged = c.send(HttpRequest.newBuilder(c.uri("/v1/merge?form=lean"))
                    .header("Authorization", "Bearer " + RunningCollector.MERGE_KEY).header("If-None-Match", etag)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(unchanged.statusCode()).isEqualTo(304);
            HttpResponse<byte[]> fullWithLeanTag = c.send(HttpRequest.newBuilder(c.uri("/v1/merge"))
                    .header("Authorization", "Bearer " + RunningCollector.MERGE_KEY).header("If-None-Match", etag)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(fullWithLeanTag.statusCode()).as("the full form has another ETag").isEqualTo(200);

            assertThat(c.merge("?form=lean&since=1h").body()).as("a window in the lean form").isEqualTo(lean.body());
            HttpResponse<byte[]> combined = c.merge("?form=lean&and_combine=true");
            assertThat(combined.body()).isEqualTo(lean.body());
            assertThat(c.merge("").body()).as("the store keeps the full merge").isEqualTo(fullAnswer.body());
        } finally {
            c.close();
        }
    }

    @Test
    void excludeRenamesPerRequestAndTheCollectorsPatternsApplyToEveryMerge() throws Exception {
        MergedProfile full = expected();
        String hot = CallEdges.of(full).edges().get(0).callee();
        String pattern = "^" + Pattern.quote(hot) + "$";
        ExcludedFunctions guard = ExcludedFunctions.of(List.of(pattern));
        RunningCollector c = RunningCollector.start(tmp.resolve("a"), Map.of());
        try {
            submitAll(c);
            assertThat(c.merge("?exclude=" + q(pattern)).body()).isEqualTo(ProfileWriter.write(guard.apply(full)));
            assertThat(c.merge("?form=lean&exclude=" + q(pattern) + "&exclude=" + q("^no\\.such$")).body())
                    .isEqualTo(ProfileWriter.write(LeanProfile.of(guard.apply(full))));
        } finally {
            c.close();
        }
        RunningCollector b = RunningCollector.start(tmp.resolve("b"), Map.of("PGOF_PGO_EXCLUDE", "  " + pattern + " ^no\\.such$ "));
        try {
            submitAll(b);
            assertThat(b.merge("").body()).isEqualTo(ProfileWriter.write(guard.apply(full)));
            assertThat(b.merge("?form=lean").body()).isEqualTo(ProfileWriter.write(LeanProfile.of(guard.apply(full))));
        } finally {
            b.close();
        }
    }

    @Test
    void aBadFormOrPatternIsA400WithOneLineAndTheCollectorGoesOn() throws Exception {
        RunningCollector c = RunningCollector.start(tmp, Map.of());
        try {
            submitAll(c);
            HttpResponse<byte[]> badForm = c.merge("?form=tiny");
            assertThat(badForm.statusCode()).isEqualTo(400);
            assertThat(new String(badForm.body(), StandardCharsets.UTF_8).trim()).isEqualTo("invalid form=tiny: expected full or lean");
            HttpResponse<byte[]> badPattern = c.merge("?form=lean&exclude=" + q("runtime.(gopark"));
            assertThat(badPattern.statusCode()).isEqualTo(400);
            assertThat(new String(badPattern.body(), StandardCharsets.UTF_8).trim())
                    .startsWith("invalid exclude: invalid pattern runtime.(gopark: ").doesNotContain("\n").doesNotContain("Exception");
            assertThat(c.merge("?form=lean").statusCode()).isEqualTo(200);
        } finally {
            c.close();
        }
    }
}
