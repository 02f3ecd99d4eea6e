package dev.pgofleet.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.Gzip;
import dev.pgofleet.testing.GoToolchain;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three services on one collector, each merge against {@code go tool pprof -proto} of exactly that
 * service's files: the same protobuf bytes once uncompressed.
 */
class ServicesGoInteropTest {
    @TempDir
    Path tmp;

    @Test
    void eachServicesMergeIsGosMergeOfItsFilesByteForByte() throws Exception {
        GoToolchain go = GoToolchain.require(tmp);
        List<Path> fleet = TestData.fleet();
        Map<String, List<Path>> byService = new LinkedHashMap<>();
        byService.put("checkout", fleet.subList(0, 4));
        byService.put("search.v2", fleet.subList(4, 7));
        byService.put("default", List.of(TestData.path("profiles/std/regexp.pprof"), TestData.path("profiles/std/compress_flate.pprof")));
        try (RunningCollector c = RunningCollector.start(tmp.resolve("collector"), Map.of("PGOF_COMPACT_INTERVAL", "1h"))) {
            for (Map.Entry<String, List<Path>> e : byService.entrySet()) {
                String query = e.getKey().equals("default") ? "" : "?service=" + e.getKey();
                for (Path f : e.getValue()) {
                    byte[] body = Files.readAllBytes(f);
                    // As the original's Go package sends: a chunked body, the service in the submit URL.
                    HttpResponse<String> r = c.send(HttpRequest.newBuilder(c.uri("/v1/submit" + query))
                            .header("Authorization", "Bearer " + RunningCollector.SUBMIT_KEY)
                            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).isEqualTo(204);
                }
            }
            for (Map.Entry<String, List<Path>> e : byService.entrySet()) {
                Path theirs = tmp.resolve(e.getKey() + ".go.pprof");
                List<String> args = new ArrayList<>(List.of("tool", "pprof", "-proto", "-symbolize=none", "-output", theirs.toString()));
                e.getValue().forEach(p -> args.add(p.toString()));
                go.run(tmp, 300, args.toArray(String[]::new));
                byte[] ours = c.merge("?service=" + e.getKey()).body();
                assertThat(Gzip.gunzip(ours, Integer.MAX_VALUE - 8)).as(e.getKey())
                        .isEqualTo(Gzip.gunzip(Files.readAllBytes(theirs), Integer.MAX_VALUE - 8));
            }
        }
    }
}
