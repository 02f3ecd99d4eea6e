package dev.pgofleet.bench;

import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.S3Server;
import dev.pgofleet.testing.TestData;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Submit throughput and merge latency of the collector on the directory store and on S3
 * (s3proxy, filesystem backend), in the same run and JVM: for each, a fresh collector takes
 * closed-loop submits for the given seconds, then the median of 5 merges each made after one
 * new submit (none served from the cache). Loopback only; bounded in time.
 *
 * <pre>bench/s3-vs-dir.sh 20 16   (java -cp target/test-classes:target/classes:TEST_CLASSPATH dev.pgofleet.bench.S3Bench \
 *   --seconds 20 --connections 16)</pre>
 */
public final class S3Bench {
    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        double seconds = Double.parseDouble(opts.getOrDefault("seconds", "20"));
        int connections = Integer.parseInt(opts.getOrDefault("connections", "16"));
        List<byte[]> fleet = new ArrayList<>();
        for (Path f : TestData.fleet()) {
            fleet.add(Files.readAllBytes(f));
        }
        Path tmp = Files.createTempDirectory("pgof-s3bench");
        S3Server.useTestCredentials();
        System.out.printf("%-5s %12s %10s %10s %14s %10s%n", "store", "submits/s", "p50 ms", "p99 ms", "merge p50 ms", "stored");
        try (S3Server s3 = S3Server.start(tmp.resolve("s3"))) {
            Map<String, String> common = Map.of("PGOF_COMPACT_INTERVAL", "10s", "PGOF_LOG_LEVEL", "WARN");
            run("dir", tmp.resolve("dir"), common, fleet, seconds, connections);
            Map<String, String> onS3 = new HashMap<>(s3.env("bench"));
            onS3.putAll(common);
            run("s3", tmp.resolve("s3c"), onS3, fleet, seconds, connections);
        }
    }

    private static void run(String name, Path dir, Map<String, String> env, List<byte[]> fleet, double seconds, int connections)
            throws Exception {
        try (RunningCollector c = RunningCollector.start(dir, env)) {
            URI url = URI.create("http://127.0.0.1:" + c.port());
            LoadGenerator.Result r = LoadGenerator.run(url, RunningCollector.SUBMIT_KEY, fleet, connections, seconds, 2_000_000);
            double[] merges = new double[5];
            for (int i = 0; i < merges.length; i++) {
                c.submit(fleet.get(i));
                long t = System.nanoTime();
                HttpResponse<byte[]> m = c.merge("");
                merges[i] = (System.nanoTime() - t) / 1e6;
                if (m.statusCode() != 200) {
                    throw new IllegalStateException(name + ": merge answered " + m.statusCode());
                }
            }
            Arrays.sort(merges);
            System.out.printf("%-5s %12.0f %10.1f %10.1f %14.1f %10d%n", name, r.perSecond(), r.percentileMillis(50),
                    r.percentileMillis(99), merges[2], c.server.store().storedProfiles());
        }
    }
}
