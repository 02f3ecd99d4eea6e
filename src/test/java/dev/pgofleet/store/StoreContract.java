package dev.pgofleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.pprof.ProfileMerger;
import dev.pgofleet.pprof.ProfileWriter;
import dev.pgofleet.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ProfileStore} promises, run against each backend ({@link DiskStoreContractTest},
 * the S3 store's test): stored bytes kept exactly, listing in arrival order, replacements that
 * count each profile once, counters, and merges and compaction equal to the merge of the raw profiles.
 */
public abstract class StoreContract {
    protected static final DecodeLimits LIMITS = new DecodeLimits(64L << 20, 64 << 20);

    /** A new, empty store; raw profiles settle (may be folded) as soon as they are stored. */
    protected abstract ProfileStore open() throws Exception;

    protected static byte[] fleet(int i) {
        return TestData.bytes(String.format("profiles/fleet/inst%03d.pprof", i));
    }

    protected static byte[] mergeOf(List<byte[]> raws) throws Exception {
        ProfileMerger m = new ProfileMerger(true);
        for (byte[] b : raws) {
            m.add(dev.pgofleet.pprof.ValidProfile.parse(b, LIMITS));
        }
        return ProfileWriter.write(m.result());
    }

    @Test
    void storesTheBytesExactlyAndListsInArrivalOrder() throws Exception {
        try (ProfileStore store = open()) {
            List<Path> stored = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                stored.add(store.store(fleet(i)).get(20, TimeUnit.SECONDS));
            }
            assertThat(store.snapshot()).containsExactlyElementsOf(stored);
            for (int i = 0; i < 5; i++) {
                assertThat(store.read(stored.get(i), 1 << 20)).isEqualTo(fleet(i + 1));
            }
            assertThat(store.list()).allMatch(f -> f.kind() == StoredFile.Kind.RAW);
            assertThat(store.storedCount()).isEqualTo(5);
            assertThat(store.storedProfiles()).isEqualTo(5);
            assertThat(store.unfoldedCount()).isEqualTo(5);
            long bytes = 0;
            for (int i = 1; i <= 5; i++) {
                bytes += fleet(i).length;
            }
            assertThat(store.storedBytes()).isEqualTo(bytes);
        }
    }

    @Test
    void readRefusesAnItemAboveTheLimit() throws Exception {
        try (ProfileStore store = open()) {
            Path p = store.store(fleet(1)).get(20, TimeUnit.SECONDS);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.read(p, fleet(1).length - 1))
                    .isInstanceOf(dev.pgofleet.pprof.InvalidProfileException.class);
        }
    }

    @Test
    void aRollupReplacesItsInputsAndCountsThemOnce() throws Exception {
        try (ProfileStore store = open()) {
            Path a = store.store(fleet(1)).get(20, TimeUnit.SECONDS);
            Path b = store.store(fleet(2)).get(20, TimeUnit.SECONDS);
            Path later = store.store(fleet(3)).get(20, TimeUnit.SECONDS);
            StoredFile fa = StoredFile.of(a);
            long hour = Compactor.floor(fa.fromMillis(), Compactor.HOUR);
            Path rollup = store.rollup(hour, hour + Compactor.HOUR, List.of(a, b), mergeOf(List.of(fleet(1), fleet(2))));
            assertThat(store.snapshot()).containsExactly(rollup, later);
            assertThat(store.storedProfiles()).isEqualTo(3);
            assertThat(store.read(rollup, 1 << 20)).isEqualTo(mergeOf(List.of(fleet(1), fleet(2))));
        }
    }

    @Test
    void aCompactionPassAndAMergeGiveTheMergeOfTheRawProfiles() throws Exception {
        List<byte[]> raws = new ArrayList<>();
        try (ProfileStore store = open();
             MergeService merges = new MergeService(store, LIMITS, 2)) {
            Compactor compactor = new Compactor(store, LIMITS, null, 0, 2, System::currentTimeMillis, () -> false);
            try {
                for (int i = 1; i <= 12; i++) {
                    raws.add(fleet(i));
                    store.store(fleet(i)).get(20, TimeUnit.SECONDS);
                }
                byte[] expected = mergeOf(raws);
                assertThat(merges.merge(false).get(60, TimeUnit.SECONDS).body()).isEqualTo(expected);
                waitUntilSettled(store);
                assertThat(compactor.runOnce()).isEqualTo(12);
                assertThat(store.list()).extracting(StoredFile::kind).containsOnly(StoredFile.Kind.ROLLUP);
                for (int i = 13; i <= 16; i++) {
                    raws.add(fleet(i));
                    store.store(fleet(i)).get(20, TimeUnit.SECONDS);
                }
                MergeResult after = merges.merge(false).get(60, TimeUnit.SECONDS);
                assertThat(after.body()).isEqualTo(mergeOf(raws));
                assertThat(after.profiles()).isEqualTo(16);
                assertThat(store.storedProfiles()).isEqualTo(16);
            } finally {
                compactor.close();
            }
        }
    }

    @Test
    void combineReplacesEverythingByTheMerge() throws Exception {
        List<byte[]> raws = new ArrayList<>();
        try (ProfileStore store = open();
             MergeService merges = new MergeService(store, LIMITS, 2)) {
            for (int i = 1; i <= 6; i++) {
                raws.add(fleet(i));
                store.store(fleet(i)).get(20, TimeUnit.SECONDS);
            }
            waitUntilSettled(store);
            MergeResult combined = merges.combine(false).get(60, TimeUnit.SECONDS);
            assertThat(combined.body()).isEqualTo(mergeOf(raws));
            assertThat(store.list()).extracting(StoredFile::kind).containsExactly(StoredFile.Kind.COMBINED);
            assertThat(store.storedProfiles()).isEqualTo(6);
            assertThat(merges.merge(false).get(60, TimeUnit.SECONDS).body()).isEqualTo(combined.body());
        }
    }

    @Test
    void aFoldReadsThroughTheStore() throws Exception {
        try (ProfileStore store = open()) {
            List<Path> items = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                items.add(store.store(fleet(i)).get(20, TimeUnit.SECONDS));
            }
            ProfileMerger m = new ProfileMerger(true);
            var pool = Executors.newFixedThreadPool(2);
            try {
                List<Path> folded = ParallelFold.fold(items, store::read, m::add, true, p -> LIMITS, true, pool, 8, 2,
                        ParallelFold.FAIL, n -> {});
                assertThat(folded).containsExactlyElementsOf(items);
            } finally {
                pool.shutdown();
            }
            assertThat(ProfileWriter.write(m.result())).isEqualTo(mergeOf(List.of(fleet(1), fleet(2), fleet(3))));
        }
    }

    /** Waits (polling) until every raw profile stored so far may be folded. */
    protected static void waitUntilSettled(ProfileStore store) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!store.list().stream().filter(f -> f.kind() == StoredFile.Kind.RAW).allMatch(store::isSettled)) {
            assertThat(System.nanoTime()).as("raw profiles settle").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    protected static boolean exists(Path p) {
        return Files.exists(p);
    }
}
