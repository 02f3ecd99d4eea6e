package dev.pgofleet.bench;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.store.Compactor;
import dev.pgofleet.store.ProfileStore;
import dev.pgofleet.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Compaction throughput with nothing else running: rounds of 4,096 fleet profiles put in the store
 * as raw files, then folded into their hour's rollup by one compactor pass, timed.
 *
 * <pre>java -cp target/test-classes:target/pgo-fleet.jar dev.pgofleet.bench.CompactionThroughput [rounds] [decode threads]</pre>
 */
public final class CompactionThroughput {
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        List<byte[]> fleet = TestData.fleet().stream().map(CompactionThroughput::read).toList();
        Path dir = Files.createTempDirectory("pgof-compact");
        long seq = 0;
        try (ProfileStore store = ProfileStore.open(dir, 2, 64)) {
            Compactor compactor = new Compactor(store, DecodeLimits.DEFAULT, null, 0, threads, System::currentTimeMillis, () -> false);
            for (int r = 0; r < rounds; r++) {
                long received = System.currentTimeMillis() - 60_000;
                for (int i = 0; i < 4096; i++) {
                    Files.write(dir.resolve(String.format("%013d-%010d-bench00.pprof", received, ++seq)), fleet.get(i % fleet.size()));
                }
                long start = System.nanoTime();
                int folded = compactor.runOnce();
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("round %d: %d profiles folded in %.2f s: %.0f profiles/s%n", r + 1, folded, seconds, folded / seconds);
            }
            compactor.close();
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
