package dev.pgofleet.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.testing.CollectorProcess;
import dev.pgofleet.testing.Profiles;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the packaged collector starts on a store: one process per directory, an unwritable volume, the original's files. */
class StoreStartIT {
    @TempDir
    Path tmp;

    /** The packaged jar on {@code dir/store} without waiting for it to serve; stdout and stderr in the returned log. */
    private static Process launch(Path dir, int port, List<String> prefix, Path log) throws Exception {
        return launch(dir, port, prefix, log, CollectorProcess.jar().toAbsolutePath());
    }

    private static Process launch(Path dir, int port, List<String> prefix, Path log, Path jar) throws Exception {
        Path submit = dir.resolve("submit_keys"), merge = dir.resolve("merge_keys");
        Files.writeString(submit, RunningCollector.SUBMIT_KEY + "\n");
        Files.writeString(merge, RunningCollector.MERGE_KEY + "\n");
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("PGOF_BIND_ADDRESS", "127.0.0.1:" + port, "PGOF_DIRECTORY", dir.resolve("store").toString(),
                "PGOF_SUBMIT_AUTH_KEYS_FILE", submit.toString(), "PGOF_MERGE_AUTH_KEYS_FILE", merge.toString()));
        return pb.start();
    }

    private static String exitAndLog(Process p, Path log) throws Exception {
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the refused start exits").isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        return Files.readString(log);
    }

    @Test
    void aSecondCollectorOnTheSameDirectoryRefusesToStartNamingTheHolder() throws Exception {
        try (CollectorProcess first = CollectorProcess.start(tmp, CollectorProcess.freePort(), List.of("-Xmx256m"), Map.of())) {
            Path log = tmp.resolve("second.log");
            String out = exitAndLog(launch(tmp, CollectorProcess.freePort(), List.of(), log), log);
            assertThat(out).contains("cannot start: directory " + tmp.resolve("store") + " is in use by another collector (pid "
                    + first.process.pid() + "): run one collector process per directory");
            assertThat(out).doesNotContain("Exception");
            assertThat(first.process.isAlive()).isTrue();
        }
    }

    @Test
    void aVolumeTheCollectorsUserCannotWriteGivesOneLineSayingWhoNeedsAccess() throws Exception {
        Assumptions.assumeTrue(new ProcessBuilder("setpriv", "--version").start().waitFor() == 0, "setpriv is missing");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to run the collector as uid 10001");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(tmp.resolve("store")); // root's, as the original's image left it
        Path log = tmp.resolve("collector.log");
        // A copy uid 10001 can read wherever the checkout lies (a clone in a 0700 directory is not).
        Path jar = Files.copy(CollectorProcess.jar(), tmp.resolve("pgo-fleet.jar"));
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        Process p = launch(tmp, CollectorProcess.freePort(), List.of("setpriv", "--reuid=10001", "--regid=10001", "--clear-groups"), log, jar);
        String out = exitAndLog(p, log);
        assertThat(out).contains("cannot start: directory " + tmp.resolve("store") + " is not writable by the user this collector runs as"
                + " (uid 10001, ").contains("e.g. chown -R 10001 " + tmp.resolve("store"));
        assertThat(out.lines().filter(l -> l.contains("ERROR"))).hasSize(1);
        assertThat(out).doesNotContain("Exception");
    }

    /** kill -9 while the original's files are being taken over, then a normal start: each profile exactly once. */
    @Test
    void aTakeoverKilledMidwayLosesAndDuplicatesNothing() throws Exception {
        byte[] base = TestData.bytes("profiles/fleet/inst007.pprof");
        long perProfile = Profiles.total(base, 0);
        Path store = Files.createDirectories(tmp.resolve("store"));
        int n = 1000;
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String id = Profiles.tag(i);
            ids.add(id);
            // As the original names them: <unix millis>_<n>.pgo, n counting up per process start.
            Files.write(store.resolve((1795000000000L + i * 1000L) + "_" + (i % 700 + 1) + ".pgo"), Profiles.withComment(base, id));
        }
        int port = CollectorProcess.freePort();
        Path log = tmp.resolve("killed.log");
        Process p = launch(tmp, port, List.of(), log);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int taken = 0;
        while (p.isAlive() && System.nanoTime() < end && taken < 100) {
            try (Stream<Path> s = Files.list(store)) {
                taken = (int) s.filter(f -> f.getFileName().toString().endsWith("-orig.pprof")).count();
            }
        }
        p.destroyForcibly().waitFor();
        int left;
        try (Stream<Path> s = Files.list(store)) {
            left = (int) s.filter(f -> f.getFileName().toString().endsWith(".pgo")).count();
        }
        System.out.printf("kill -9 during the takeover: %d copies made, %d originals left%n", taken, left);
        assertThat(left).as("killed before the takeover finished").isPositive();

        try (CollectorProcess c = CollectorProcess.start(tmp, port, List.of("-Xmx256m"), Map.of())) {
            HttpResponse<byte[]> merge = CollectorProcess.merge(HttpClient.newHttpClient(), port);
            assertThat(merge.statusCode()).isEqualTo(200);
            var merged = TestData.proto(merge.body());
            assertThat(new HashSet<>(Profiles.comments(merged))).isEqualTo(new HashSet<>(ids));
            assertThat(Profiles.totalSamples(merged)).as("each profile once").isEqualTo(perProfile * n);
            assertThat(Files.readString(c.log)).contains("took over");
            try (Stream<Path> s = Files.list(store)) {
                assertThat(s.map(f -> f.getFileName().toString())).noneMatch(f -> f.endsWith(".pgo"));
            }
        }
    }
}
