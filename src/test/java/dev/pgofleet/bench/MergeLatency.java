package dev.pgofleet.bench;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.store.Compactor;
import dev.pgofleet.store.MergeService;
import dev.pgofleet.store.ProfileStore;
import dev.pgofleet.testing.TestData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Merge latency of the store against the number of stored profiles, in one warm JVM (the merge
 * path of the collector without HTTP): for each N, N fleet profiles (about 23 KB each) land as raw
 * files; a merge right then folds them all (the merge right after a burst); the compactor folds
 * them (timed: compaction throughput); then 9 merges, each after one new stored profile so that
 * none comes from the cache, give the median latency once compaction has caught up.
 *
 * <pre>java -Xmx128m -cp target/test-classes:target/pgo-fleet.jar dev.pgofleet.bench.MergeLatency 10 1000 3000 20000 100000</pre>
 */
public final class MergeLatency {
    public static void main(String[] args) throws Exception {
        List<byte[]> fleet = TestData.fleet().stream().map(MergeLatency::read).toList();
        run(fleet, 3000, false); // warm-up: the JIT, not the figures
        for (String n : args) {
            run(fleet, Integer.parseInt(n), true);
        }
    }

    private static void run(List<byte[]> fleet, int n, boolean print) throws Exception {
        Path dir = Files.createTempDirectory("pgof-latency");
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); MergeService merges = new MergeService(store, DecodeLimits.DEFAULT, 2)) {
            long received = System.currentTimeMillis() - 60_000;
            for (int i = 0; i < n; i++) {
                Files.write(dir.resolve(String.format("%013d-%010d-bench00.pprof", received, i + 1)), fleet.get(i % fleet.size()));
            }
            long t0 = System.nanoTime();
            long profiles = merges.merge(false).join().profiles();
            double afterBurstMs = (System.nanoTime() - t0) / 1e6;

            Compactor compactor = new Compactor(store, DecodeLimits.DEFAULT, null, 0, 2, System::currentTimeMillis, () -> false);
            long t1 = System.nanoTime();
            int folded = 0;
            for (int f; (f = compactor.runOnce()) > 0; ) {
                folded += f;
            }
            double compactSeconds = (System.nanoTime() - t1) / 1e9;
            compactor.close();

            double[] latencies = new double[9];
            for (int i = 0; i < latencies.length; i++) {
                store.store(fleet.get(i % fleet.size())).join();
                long t = System.nanoTime();
                merges.merge(false).join();
                latencies[i] = (System.nanoTime() - t) / 1e6;
            }
            Arrays.sort(latencies);
            System.gc();
            long heapMb = (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20;
            if (print) {
                System.out.printf("N=%d: merge right after the burst %.0f ms (%d profiles); compaction %.0f profiles/s;"
                                + " merge once caught up: median %.1f ms (min %.1f, max %.1f); %d files; heap after %d MB of %d MB%n",
                        n, afterBurstMs, profiles, folded / compactSeconds, latencies[4], latencies[0], latencies[8],
                        store.snapshot().size(), heapMb, Runtime.getRuntime().maxMemory() >> 20);
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
