package dev.pgofleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.pprof.ProfileWriter;
import dev.pgofleet.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A volume of the original collector: its files become ours, in arrival order, exactly once. */
class OriginalTakeoverTest {
    @TempDir
    Path dir;
    @TempDir
    Path copies;

    private static byte[] fleet(int i) {
        return TestData.bytes(String.format("profiles/fleet/inst%03d.pprof", i));
    }

    private static List<String> names(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The original's files as it names them, and (in {@code copies}) the same files in arrival order. */
    private List<Path> originalStore() throws Exception {
        String[] inOrder = {"merged_1795000000500_1.pgo", "1795000000000_1.pgo", "1795000001000_2.pgo", "1795000001000_10.pgo"};
        List<Path> expected = new java.util.ArrayList<>();
        for (int i = 0; i < inOrder.length; i++) {
            Files.write(dir.resolve(inOrder[i]), fleet(i + 1));
            expected.add(Files.write(copies.resolve(i + ".pprof"), fleet(i + 1)));
        }
        return expected;
    }

    @Test
    void theOriginalsFilesAreTakenOverInArrivalOrderAndMergeAsTheyWould() throws Exception {
        List<Path> expected = originalStore();
        Files.write(dir.resolve("1795000002000_3.pgo"), new byte[] {0x1f, (byte) 0x8b, 8, 0}); // truncated by its plain write
        Files.writeString(dir.resolve("notes.txt"), "left by an operator");
        try (ProfileStore store = ProfileStore.open(dir, 2, 8)) {
            assertThat(store.snapshot()).extracting(p -> p.getFileName().toString()).containsExactly(
                    "0000000000000-1795000000500-o1-1c.pprof",
                    "1795000000000-0000000001-orig.pprof",
                    "1795000001000-0000000002-orig.pprof",
                    "1795000001000-0000000010-orig.pprof");
            for (int i = 0; i < expected.size(); i++) {
                assertThat(store.snapshot().get(i)).hasSameBinaryContentAs(expected.get(i));
            }
            assertThat(names(dir)).noneMatch(n -> n.endsWith(".pgo")).contains("notes.txt");
            assertThat(names(dir.resolve("quarantine"))).containsExactly("1795000002000_3.pgo");
            assertThat(store.storedProfiles()).isEqualTo(4);
            byte[] want = ProfileWriter.write(ParallelFold.mergeFiles(expected, DecodeLimits.DEFAULT, true, 1, n -> {}));
            try (MergeService merges = new MergeService(store, DecodeLimits.DEFAULT, 2)) {
                assertThat(merges.merge(false).get(20, TimeUnit.SECONDS).body()).isEqualTo(want);
            }
        }
    }

    /** Killed after some copies were renamed in, before the originals went: the restart counts each once. */
    @Test
    void aTakeoverInterruptedAfterSomeCopiesFinishesWithoutDuplicates() throws Exception {
        List<Path> expected = originalStore();
        Files.write(dir.resolve("1795000000000-0000000001-orig.pprof"), fleet(2)); // copied and renamed in
        Files.write(dir.resolve(".tmp-1795000001000-0000000002-orig.pprof"), new byte[] {1}); // being copied
        try (ProfileStore store = ProfileStore.open(dir, 2, 8)) {
            assertThat(store.snapshot()).hasSize(4);
            assertThat(names(dir)).noneMatch(n -> n.endsWith(".pgo") || n.startsWith(".tmp-"));
            for (int i = 0; i < expected.size(); i++) {
                assertThat(store.snapshot().get(i)).hasSameBinaryContentAs(expected.get(i));
            }
        }
        try (ProfileStore again = ProfileStore.open(dir, 2, 8)) {
            assertThat(again.snapshot()).hasSize(4);
        }
    }

    /** The original's and_combine result is its own file: taken over whatever the per-submit limits; a submit is judged by them. */
    @Test
    void aMergedFileLargerThanTheSubmitLimitsIsTakenOverAndASubmitThatLargeIsNot() throws Exception {
        List<Path> combined = new java.util.ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            combined.add(Files.write(copies.resolve("c" + i + ".pprof"), fleet(i)));
        }
        byte[] merged = ProfileWriter.write(ParallelFold.mergeFiles(combined, DecodeLimits.DEFAULT, true, 1, n -> {}));
        byte[] submit = fleet(7);
        DecodeLimits tight = new DecodeLimits(submit.length, dev.pgofleet.pprof.Gzip.gunzip(submit, 1 << 26).length);
        assertThat((long) merged.length).as("the and_combine result exceeds the submit limit").isGreaterThan(tight.maxCompressedBytes());
        Files.write(dir.resolve("merged_1795000000500_1.pgo"), merged);
        Files.write(dir.resolve("1795000001000_1.pgo"), submit);
        Files.write(dir.resolve("1795000002000_2.pgo"), merged); // a submit that large is refused, as at submit
        try (ProfileStore store = ProfileStore.open(dir, 2, 8, tight)) {
            assertThat(store.snapshot()).extracting(p -> p.getFileName().toString()).containsExactly(
                    "0000000000000-1795000000500-o1-1c.pprof", "1795000001000-0000000001-orig.pprof");
            assertThat(store.snapshot().get(0)).hasBinaryContent(merged);
            assertThat(names(dir.resolve("quarantine"))).containsExactly("1795000002000_2.pgo");
            List<Path> all = new java.util.ArrayList<>(combined);
            all.add(Files.write(copies.resolve("s.pprof"), submit));
            byte[] want = ProfileWriter.write(ParallelFold.mergeFiles(all, DecodeLimits.DEFAULT, true, 1, n -> {}));
            try (MergeService merges = new MergeService(store, tight, 2)) {
                assertThat(merges.merge(false).get(20, TimeUnit.SECONDS).body()).isEqualTo(want);
                assertThat(merges.quarantinedOwn() + merges.quarantinedSubmitted()).isZero();
            }
        }
    }
}
