package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.store.FaultyStores;
import dev.pgofleet.testing.Profiles;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.SmallFilesystem;
import dev.pgofleet.testing.TestData;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store on a filesystem the test makes small or read-only: never a 204 that is not on disk. */
class StorageFailureTest {
    @TempDir
    Path tmp;

    private static int readyz(RunningCollector c) {
        return readiness(c).statusCode();
    }

    private static HttpResponse<String> readiness(RunningCollector c) {
        return c.send(HttpRequest.newBuilder(c.uri("/readyz")).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long tempFiles(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".tmp-")).count();
        }
    }

    @Test
    void aReadOnlyStoreIsUnreadyAndRefusesSubmitsUntilWritableAgain() throws Exception {
        try (SmallFilesystem fs = SmallFilesystem.mount(tmp.resolve("collector/store"), "8m");
             RunningCollector c = RunningCollector.start(tmp.resolve("collector"), Map.of())) {
            byte[] profile = TestData.bytes("profiles/fleet/inst001.pprof");
            assertThat(c.submit(profile).statusCode()).isEqualTo(204);
            fs.readOnly(true);
            try {
                HttpResponse<String> unready = readiness(c);
                assertThat(unready.statusCode()).isEqualTo(503);
                assertThat(unready.body()).isEqualTo("not ready: store not writable: " + fs.dir + ": Read-only file system\n");
                HttpResponse<String> r = c.submit(profile);
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(r.headers().firstValue("retry-after")).isPresent();
            } finally {
                fs.readOnly(false);
            }
            assertThat(readyz(c)).isEqualTo(200);
            assertThat(c.submit(profile).statusCode()).isEqualTo(204);
            assertThat(c.storedCount()).isEqualTo(2);
        }
    }

    @Test
    void aFullDiskGives503NeverA204AndLeavesNoTempFile() throws Exception {
        try (SmallFilesystem fs = SmallFilesystem.mount(tmp.resolve("collector/store"), "256k");
             RunningCollector c = RunningCollector.start(tmp.resolve("collector"), Map.of())) {
            byte[] profile = TestData.bytes("profiles/compiler/nethttp.pprof");
            int accepted = 0, refused = 0;
            for (int i = 0; i < 20; i++) {
                int code = c.submit(profile).statusCode();
                assertThat(code).isIn(204, 503);
                if (code == 204) {
                    accepted++;
                } else {
                    refused++;
                }
            }
            System.out.printf("256 KiB store: %d submits stored, %d refused with 503%n", accepted, refused);
            assertThat(refused).isPositive();
            assertThat(c.storedCount()).as("every 204 is a stored file").isEqualTo(accepted);
            assertThat(tempFiles(fs.dir)).isZero();
            HttpResponse<String> unready = readiness(c);
            assertThat(unready.statusCode()).isEqualTo(503);
            assertThat(unready.body()).isEqualTo("not ready: store not writable: " + fs.dir + ": No space left on device\n");
            // space freed: submits succeed again
            try (Stream<Path> files = Files.list(fs.dir)) {
                for (Path p : files.filter(p -> p.toString().endsWith(".pprof")).toList()) {
                    Files.delete(p);
                }
            }
            assertThat(readyz(c)).isEqualTo(200);
            assertThat(c.submit(profile).statusCode()).isEqualTo(204);
        }
    }

    @Test
    void andCombineOnAFullDiskAnswers503AndChangesNothing() throws Exception {
        try (SmallFilesystem fs = SmallFilesystem.mount(tmp.resolve("collector/store"), "512k");
             RunningCollector c = RunningCollector.start(tmp.resolve("collector"), Map.of("PGOF_COMPACT_INTERVAL", "1h"))) {
            byte[] profile = TestData.bytes("profiles/fleet/inst001.pprof");
            while (c.submit(profile).statusCode() == 204) {
                // fill the disk: the combined file cannot be written any more
            }
            java.util.List<Path> before = c.server.store().snapshot();
            HttpResponse<byte[]> r = c.merge("?and_combine=true");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("retry-after")).isPresent();
            assertThat(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("storage unavailable: try again later\n");
            assertThat(c.server.store().snapshot()).isEqualTo(before);
            assertThat(tempFiles(fs.dir)).isZero();
            assertThat(c.merge("").statusCode()).as("a plain merge still works").isEqualTo(200);
        }
    }

    /**
     * The file is renamed in but the directory fsync fails: the 503 must be true (nothing stored),
     * so the client's retry is counted once. Merged comments are deduplicated, as Go's Merge does,
     * so the count is read from the sample totals and the profile count.
     */
    @Test
    void aFailedDirectoryFsyncAnswers503AndTheClientsRetryIsCountedOnce() throws Exception {
        AtomicInteger failures = new AtomicInteger();
        try (RunningCollector c = RunningCollector.start(tmp.resolve("collector"), Map.of("PGOF_COMPACT_INTERVAL", "1h"),
                (config, keys) -> CollectorServer.start(config, keys,
                        (dir, io, queue, limits) -> FaultyStores.failingDirectoryFsync(dir, io, queue, limits, failures)))) {
            byte[] first = Profiles.withComment(TestData.bytes("profiles/fleet/inst002.pprof"), Profiles.tag(1));
            byte[] retried = Profiles.withComment(TestData.bytes("profiles/fleet/inst001.pprof"), Profiles.tag(2));
            assertThat(c.submit(first).statusCode()).isEqualTo(204);
            failures.set(1);
            HttpResponse<String> refused = c.submit(retried);
            assertThat(failures.get()).as("the injected fsync failure was hit").isZero();
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("retry-after")).isPresent();
            assertThat(c.storedCount()).as("what a 503 says: nothing stored").isEqualTo(1);
            assertThat(c.submit(retried).statusCode()).as("the client's retry").isEqualTo(204);
            HttpResponse<byte[]> merge = c.merge("");
            assertThat(merge.statusCode()).isEqualTo(200);
            assertThat(merge.headers().firstValue("X-Pgof-Profiles")).hasValue("2");
            var merged = TestData.proto(merge.body());
            assertThat(Profiles.tags(merged)).containsExactlyInAnyOrder(Profiles.tag(1), Profiles.tag(2));
            assertThat(Profiles.totalSamples(merged)).as("the retried profile counted once")
                    .isEqualTo(Profiles.totalSamples(TestData.proto(first)) + Profiles.totalSamples(TestData.proto(retried)));
            assertThat(c.storedCount()).isEqualTo(2);
        }
    }
}
