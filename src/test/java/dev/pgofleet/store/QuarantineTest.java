package dev.pgofleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.Gzip;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.pprof.ProfileMerger;
import dev.pgofleet.pprof.ProfileWriter;
import dev.pgofleet.pprof.ValidProfile;
import dev.pgofleet.store.StoredFile.Kind;
import dev.pgofleet.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No stored file can break a merge: what cannot be folded is quarantined and counted, the rest is
 * merged; the collector's own files are not judged by the per-submit limits. On a real disk.
 */
class QuarantineTest {
    private static final DecodeLimits LIMITS = new DecodeLimits(64L << 20, 64 << 20);
    private static final long HOUR = Compactor.HOUR, DAY = Compactor.DAY;
    private static final long DAY0 = Compactor.floor(System.currentTimeMillis(), DAY) - 10 * DAY;

    @TempDir
    Path dir;

    @Test
    void aHugeDurationAndAnUnreadableFileNeverBreakAMerge() throws Exception {
        List<Path> fleet = TestData.fleet();
        List<byte[]> good = new ArrayList<>();
        long t = DAY0 + 3 * HOUR;
        for (int i = 0; i < 6; i++) {
            good.add(Files.readAllBytes(fleet.get(i)));
        }
        // Go writes int64 sums that wrap: a duration near the maximum makes the merged one negative.
        var huge = TestData.proto(good.get(0)).toBuilder().setDurationNanos(Long.MAX_VALUE - 5).build();
        good.add(3, Gzip.gzip(huge.toByteArray(), 0, huge.getSerializedSize()));
        byte[] broken = Arrays.copyOf(good.get(1), good.get(1).length / 2);
        try (ProfileStore store = ProfileStore.open(dir, 2, 64)) {
            for (int i = 0; i < good.size(); i++) {
                putRaw(store, t + i * 1000, i + 1, good.get(i));
            }
            Path bad = putRaw(store, t + 3500, 99, broken);
            try (MergeService merges = new MergeService(store, LIMITS, 2)) {
                byte[] expected = rawMerge(good);
                assertThat(ValidProfile.parse(expected, LIMITS).durationNanos()).as("wrapped as in Go").isNegative();
                for (int round = 0; round < 3; round++) {
                    MergeResult r = merges.merge(false).join();
                    assertThat(r.body()).as("merge %d holds every ordinary profile", round).isEqualTo(expected);
                    assertThat(r.profiles()).isEqualTo(good.size());
                    putRaw(store, t + 10_000 + round, 200 + round, broken); // stored again: set aside again
                }
                assertThat(bad).doesNotExist();
                assertThat(dir.resolve("quarantine").resolve(bad.getFileName())).exists();
                assertThat(merges.quarantinedSubmitted()).as("each one counted").isEqualTo(3);
                assertThat(merges.quarantinedOwn()).isZero();

                // Compacted, the wrapped duration is in a rollup on disk, read back by every later merge.
                Compactor compactor = new Compactor(store, LIMITS, null, 0, 2, System::currentTimeMillis, () -> false);
                compactor.runOnce();
                compactor.close();
                assertThat(store.list()).noneMatch(f -> f.kind() == Kind.RAW);
                assertThat(merges.merge(false).join().body()).isEqualTo(expected);
                assertThat(compactor.quarantinedOwn()).isZero();
                assertThat(compactor.quarantinedSubmitted()).as("the last broken one, met by compaction").isEqualTo(1);
            }
        }
    }

    /**
     * Folding fails (not decoding) for some stored files, more of them than a merge once tried
     * attempts: each is quarantined and counted, every merge answers with all the others. No valid
     * stored profile makes the merger fail (the CPU check leaves only compatible ones), so the
     * failure is injected, on profiles marked by a time_nanos of 1; a partial holding one has it too.
     */
    @Test
    void storedFilesWhoseFoldFailsAreQuarantinedAndTheMergeGoesOn() throws Exception {
        List<byte[]> good = firstFleetProfiles(8);
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); MergeService merges = new MergeService(store, LIMITS, 2)) {
            List<Path> bad = storeWithMarkedBetween(store, good, 1);
            AtomicInteger failures = new AtomicInteger();
            merges.foldCheck = p -> {
                if (p.timeNanos() == 1) {
                    failures.incrementAndGet();
                    throw new IllegalStateException("a fault injected by the test");
                }
            };
            MergeResult r = merges.merge(false).join();
            assertThat(r.body()).as("every ordinary profile, none lost with a partial").isEqualTo(rawMerge(good));
            assertThat(r.profiles()).isEqualTo(good.size());
            assertThat(failures.get()).as("a partial, then each bad file alone").isEqualTo(1 + bad.size());
            for (Path b : bad) {
                assertThat(b).doesNotExist();
                assertThat(dir.resolve("quarantine").resolve(b.getFileName())).exists();
            }
            assertThat(merges.quarantinedSubmitted()).as("each one counted").isEqualTo(bad.size());
            assertThat(merges.quarantinedOwn()).isZero();

            putRaw(store, DAY0 + 3 * HOUR + 20_000, 200, marked()); // stored again: set aside again, the merge still answers
            assertThat(merges.merge(false).join().body()).isEqualTo(rawMerge(good));
            assertThat(merges.quarantinedSubmitted()).isEqualTo(bad.size() + 1);
        }
    }

    /** As above, in a compaction pass: the bucket is rolled up from every other profile. */
    @Test
    void storedFilesWhoseFoldFailsAreQuarantinedAndCompactionGoesOn() throws Exception {
        List<byte[]> good = firstFleetProfiles(8);
        try (ProfileStore store = ProfileStore.open(dir, 2, 64)) {
            List<Path> bad = storeWithMarkedBetween(store, good, 0);
            Compactor compactor = new Compactor(store, LIMITS, null, 0, 2, System::currentTimeMillis, () -> false);
            compactor.foldCheck = p -> {
                if (p.timeNanos() == 1) {
                    throw new IllegalStateException("a fault injected by the test");
                }
            };
            compactor.runOnce();
            compactor.close();
            assertThat(store.list()).noneMatch(f -> f.kind() == Kind.RAW);
            assertThat(store.storedProfiles()).isEqualTo(good.size());
            for (Path b : bad) {
                assertThat(dir.resolve("quarantine").resolve(b.getFileName())).exists();
            }
            assertThat(compactor.quarantinedSubmitted()).isEqualTo(bad.size());
            try (MergeService merges = new MergeService(store, LIMITS, 2)) {
                assertThat(merges.merge(false).join().body()).isEqualTo(rawMerge(good));
            }
        }
    }

    /**
     * A real profile refused when folded, not when decoded: google/pprof's rule (a merger that does
     * not align sample types) refuses a valid CPU profile listing them in the other order. It is
     * quarantined and counted, and the fold goes on with the others.
     */
    @Test
    void aProfileRefusedWhenFoldedIsQuarantinedAndTheFoldGoesOn() throws Exception {
        List<Path> fleet = TestData.fleet();
        List<byte[]> good = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            good.add(Files.readAllBytes(fleet.get(i)));
        }
        var p = TestData.proto(Files.readAllBytes(fleet.get(6))).toBuilder();
        var types = List.copyOf(p.getSampleTypeList());
        p.setSampleType(0, types.get(1)).setSampleType(1, types.get(0));
        for (int i = 0; i < p.getSampleCount(); i++) {
            var sample = p.getSampleBuilder(i);
            long first = sample.getValue(0);
            sample.setValue(0, sample.getValue(1)).setValue(1, first);
        }
        var swapped = p.build();
        byte[] refused = Gzip.gzip(swapped.toByteArray(), 0, swapped.getSerializedSize());
        long t = DAY0 + 3 * HOUR;
        try (ProfileStore store = ProfileStore.open(dir, 2, 64)) {
            List<Path> goodFiles = new ArrayList<>();
            for (int i = 0; i < good.size(); i++) {
                goodFiles.add(putRaw(store, t + i * 1000, i + 1, good.get(i)));
            }
            Path bad = putRaw(store, t + 2500, 99, refused);
            Quarantine quarantine = new Quarantine(store, LIMITS);
            ProfileMerger strict = new ProfileMerger(false);
            List<Path> files = store.list().stream().map(StoredFile::path).toList();
            assertThat(files).contains(bad);
            List<Path> folded = ParallelFold.fold(files, strict, LIMITS, true, Runnable::run, 64, 16, quarantine, n -> {});
            assertThat(folded).isEqualTo(goodFiles);
            ProfileMerger expected = new ProfileMerger(false);
            for (byte[] b : good) {
                expected.add(ValidProfile.parse(b, LIMITS));
            }
            assertThat(ProfileWriter.write(strict.result())).isEqualTo(ProfileWriter.write(expected.result()));
            assertThat(bad).doesNotExist();
            assertThat(dir.resolve("quarantine").resolve(bad.getFileName())).exists();
            assertThat(quarantine.submittedFiles()).isEqualTo(1);
            assertThat(quarantine.ownFiles()).isZero();
        }
    }

    @Test
    void aRollupLargerThanTheSubmitLimitsSurvivesCompactionRestartAndMerge() throws Exception {
        List<byte[]> inputs = new ArrayList<>();
        long maxBody = 0, maxInflated = 0;
        for (Path f : TestData.fleet()) {
            byte[] b = Files.readAllBytes(f);
            inputs.add(b);
            maxBody = Math.max(maxBody, b.length);
            maxInflated = Math.max(maxInflated, Gzip.gunzip(b, 1 << 26).length);
        }
        DecodeLimits tight = new DecodeLimits(maxBody, maxInflated);
        byte[] expected = rawMerge(inputs);
        try (ProfileStore store = ProfileStore.open(dir, 2, 64)) {
            for (int i = 0; i < inputs.size(); i++) {
                putRaw(store, DAY0 + 5 * HOUR + i * 60_000L, i + 1, inputs.get(i));
            }
            Compactor compactor = new Compactor(store, tight, null, 0, 2, System::currentTimeMillis, () -> false);
            compactor.runOnce();
            compactor.close();
            StoredFile rollup = store.list().get(0);
            assertThat(store.list()).hasSize(1);
            assertThat(rollup.kind()).isEqualTo(Kind.ROLLUP);
            assertThat(Files.size(rollup.path())).as("larger than a submit may be").isGreaterThan(maxBody);
        }
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); MergeService merges = new MergeService(store, tight, 2)) {
            putRaw(store, DAY0 + 6 * HOUR, 100, inputs.get(0)); // a new hour: the day is rolled from two rollups
            Compactor compactor = new Compactor(store, tight, null, 0, 2, System::currentTimeMillis, () -> false);
            compactor.runOnce();
            compactor.close();
            List<byte[]> all = new ArrayList<>(inputs);
            all.add(inputs.get(0));
            assertThat(merges.merge(false).join().body()).isEqualTo(rawMerge(all));
            assertThat(merges.merge(true).join().isEmpty()).isFalse();
            assertThat(compactor.quarantinedOwn() + merges.quarantinedOwn() + compactor.quarantinedSubmitted()).isZero();
            try (Stream<Path> q = Files.list(dir.resolve("quarantine"))) {
                assertThat(q).isEmpty();
            }
        }
    }

    @Test
    void aRollupThatCannotBeReadIsAnAlarmAndTheMergeGoesOn() throws Exception {
        List<byte[]> inputs = new ArrayList<>();
        for (Path f : TestData.fleet().subList(0, 4)) {
            inputs.add(Files.readAllBytes(f));
        }
        try (ProfileStore store = ProfileStore.open(dir, 2, 64)) {
            putRaw(store, DAY0 + HOUR, 1, inputs.get(0));
            putRaw(store, DAY0 + HOUR + 1, 2, inputs.get(1));
            Compactor compactor = new Compactor(store, LIMITS, null, 0, 2, System::currentTimeMillis, () -> false);
            compactor.runOnce();
            compactor.close();
            Path rollup = store.list().get(0).path();
            Files.write(rollup, Arrays.copyOf(Files.readAllBytes(rollup), 100)); // damaged on disk
            putRaw(store, DAY0 + 2 * HOUR, 3, inputs.get(2));
            try (MergeService merges = new MergeService(store, LIMITS, 2)) {
                MergeResult r = merges.merge(false).join();
                assertThat(r.body()).isEqualTo(rawMerge(List.of(inputs.get(2))));
                assertThat(merges.quarantinedOwn()).isEqualTo(1);
                assertThat(dir.resolve("quarantine").resolve(rollup.getFileName())).exists();
            }
        }
    }

    private static List<byte[]> firstFleetProfiles(int n) throws Exception {
        List<byte[]> good = new ArrayList<>();
        for (Path p : TestData.fleet().subList(0, n)) {
            good.add(Files.readAllBytes(p));
        }
        return good;
    }

    /** A fleet profile marked by a time_nanos of 1, for the injected fold fault. */
    private static byte[] marked() throws Exception {
        var marked = TestData.proto(Files.readAllBytes(TestData.fleet().get(8))).toBuilder().setTimeNanos(1).build();
        return Gzip.gzip(marked.toByteArray(), 0, marked.getSerializedSize());
    }

    /** Stores {@code good} an hour into DAY0, with a marked profile after each one at an index of {@code parity}; returns those. */
    private List<Path> storeWithMarkedBetween(ProfileStore store, List<byte[]> good, int parity) throws Exception {
        byte[] poison = marked();
        long t = DAY0 + 3 * HOUR;
        List<Path> bad = new ArrayList<>();
        for (int i = 0; i < good.size(); i++) {
            putRaw(store, t + i * 1000, i + 1, good.get(i));
            if (i % 2 == parity) {
                bad.add(putRaw(store, t + i * 1000 + 500, 100 + i, poison));
            }
        }
        return bad;
    }

    /** A raw file of another boot, placed in the directory as by hand: listed once the store looks again. */
    private Path putRaw(ProfileStore store, long receivedMillis, long seq, byte[] body) throws Exception {
        Path p = Files.write(dir.resolve(StoredFile.raw(receivedMillis, seq, "0ther0")), body);
        store.rescan();
        return p;
    }

    private static byte[] rawMerge(List<byte[]> inputs) throws Exception {
        ProfileMerger m = new ProfileMerger(true);
        for (byte[] b : inputs) {
            m.add(ValidProfile.parse(b, LIMITS));
        }
        return ProfileWriter.write(m.result());
    }
}
