package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.Gzip;
import dev.pgofleet.pprof.ProfileMerger;
import dev.pgofleet.pprof.ProfileWriter;
import dev.pgofleet.pprof.ValidProfile;
import dev.pgofleet.testing.Canonical;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Through a real socket: a stored file that cannot be folded never makes /v1/merge fail. */
class QuarantineSocketTest {
    @TempDir
    Path tmp;

    @Test
    void aHugeDurationAndAnUnreadableStoredFileNeverMakeAMergeFail() throws Exception {
        List<Path> fleet = TestData.fleet();
        // Compaction passes often: the store looks at its directory again at each pass.
        try (RunningCollector c = RunningCollector.start(tmp, Map.of("PGOF_COMPACT_INTERVAL", "100ms"))) {
            List<byte[]> accepted = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                accepted.add(Files.readAllBytes(fleet.get(i)));
            }
            var huge = TestData.proto(accepted.get(0)).toBuilder().setDurationNanos(Long.MAX_VALUE - 5).build();
            accepted.add(1, Gzip.gzip(huge.toByteArray(), 0, huge.getSerializedSize()));
            for (byte[] b : accepted) {
                assertThat(c.submit(b).statusCode()).isEqualTo(204);
            }
            // A file damaged on disk, under a stored profile's name, placed by hand while the collector runs.
            Path broken = tmp.resolve("store").resolve(String.format("%013d-%010d-%s.pprof", System.currentTimeMillis(), 999_999, "0ther0"));
            byte[] first = accepted.get(0);
            Files.write(broken, Arrays.copyOf(first, first.length / 2));
            for (int round = 0; round < 3; round++) {
                HttpResponse<byte[]> r = c.merge("");
                assertThat(r.statusCode()).as("merge %d", round).isEqualTo(200);
                // Rollups made from the profiles folded at submit hold the same samples, numbered otherwise.
                assertThat(Canonical.of(r.body())).as("merge %d holds every accepted profile", round)
                        .isEqualTo(Canonical.of(merge(accepted)));
                byte[] next = Files.readAllBytes(fleet.get(3 + round));
                assertThat(c.submit(next).statusCode()).isEqualTo(204);
                accepted.add(next);
            }
            // Met by a compaction pass (or a merge after it), which sets it aside and goes on.
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (Files.exists(broken) && System.nanoTime() < deadline) {
                assertThat(c.merge("").statusCode()).isEqualTo(200);
                Thread.sleep(20);
            }
            assertThat(broken).doesNotExist();
            assertThat(Canonical.of(c.merge("").body())).isEqualTo(Canonical.of(merge(accepted)));
            assertThat(tmp.resolve("store/quarantine").resolve(broken.getFileName())).exists();
            String metrics = c.send(HttpRequest.newBuilder(c.uri("/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("pgof_quarantined_files_total{kind=\"submitted\"} 1.0")
                    .contains("pgof_quarantined_files_total{kind=\"own\"} 0.0");
        }
    }

    /**
     * With lowered per-submit limits, an and_combine result larger than them is the collector's own
     * file: it survives the next merge and a restart, and nothing goes to quarantine.
     */
    @Test
    void anAndCombineResultLargerThanTheSubmitLimitsSurvivesMergeAndRestart() throws Exception {
        List<byte[]> accepted = new ArrayList<>();
        long maxBody = 0, maxInflated = 0;
        for (Path f : TestData.fleet().subList(0, 12)) {
            byte[] b = Files.readAllBytes(f);
            accepted.add(b);
            maxBody = Math.max(maxBody, b.length);
            maxInflated = Math.max(maxInflated, Gzip.gunzip(b, 1 << 26).length);
        }
        Map<String, String> tight = Map.of("PGOF_MAX_BODY_BYTES", Long.toString(maxBody),
                "PGOF_MAX_DECOMPRESSED_BYTES", Long.toString(maxInflated));
        Path store = tmp.resolve("store");
        try (RunningCollector c = RunningCollector.start(tmp, tight)) {
            for (byte[] b : accepted.subList(0, 11)) {
                assertThat(c.submit(b).statusCode()).isEqualTo(204);
            }
            HttpResponse<byte[]> combined = c.merge("?and_combine=true");
            assertThat(combined.statusCode()).isEqualTo(200);
            assertThat(combined.body()).isEqualTo(merge(accepted.subList(0, 11)));
            assertThat((long) combined.body().length).as("larger than a submit may be").isGreaterThan(maxBody);
            assertThat(c.submit(accepted.get(11)).statusCode()).isEqualTo(204);
            HttpResponse<byte[]> r = c.merge("");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(merge(accepted));
        }
        try (RunningCollector c = RunningCollector.start(tmp, tight)) {
            HttpResponse<byte[]> r = c.merge("");
            assertThat(r.statusCode()).as("after a restart").isEqualTo(200);
            assertThat(r.body()).isEqualTo(merge(accepted));
            String metrics = c.send(HttpRequest.newBuilder(c.uri("/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("pgof_quarantined_files_total{kind=\"submitted\"} 0.0")
                    .contains("pgof_quarantined_files_total{kind=\"own\"} 0.0");
        }
        Path quarantine = store.resolve("quarantine");
        if (Files.exists(quarantine)) {
            try (var q = Files.list(quarantine)) {
                assertThat(q).isEmpty();
            }
        }
    }

    private static byte[] merge(List<byte[]> inputs) throws Exception {
        ProfileMerger m = new ProfileMerger(true);
        for (byte[] b : inputs) {
            m.add(ValidProfile.parse(b, DecodeLimits.DEFAULT));
        }
        return ProfileWriter.write(m.result());
    }
}
