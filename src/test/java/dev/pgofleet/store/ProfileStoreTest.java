package dev.pgofleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store on a real disk: durable writes, recovery after a crash at each step of a combine, quarantine. */
class ProfileStoreTest {
    @TempDir
    Path dir;

    private static byte[] fleet(int i) {
        return TestData.bytes(String.format("profiles/fleet/inst%03d.pprof", i));
    }

    @Test
    void storesTheBytesAsReceivedInArrivalOrder() throws Exception {
        try (ProfileStore store = ProfileStore.open(dir, 4, 16)) {
            long g = store.generation();
            Path a = store.store(fleet(1)).get();
            Path b = store.store(fleet(2)).get();
            assertThat(store.snapshot()).containsExactly(a, b);
            assertThat(Files.readAllBytes(a)).isEqualTo(fleet(1));
            assertThat(store.generation()).isGreaterThan(g);
        }
    }

    @Test
    void tempFilesAreInvisibleAndRemovedAtStart() throws Exception {
        Files.write(dir.resolve(ProfileStore.TEMP_PREFIX + "1795000000000-0000000001-abcdef.pprof"), new byte[] {1, 2});
        Files.write(dir.resolve("1795000000000-0000000002-abcdef.pprof"), fleet(1));
        try (ProfileStore store = ProfileStore.open(dir, 1, 4)) {
            assertThat(store.snapshot()).hasSize(1);
            try (Stream<Path> s = Files.list(dir)) {
                assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(ProfileStore.TEMP_PREFIX));
            }
        }
    }

    @Test
    void combineReplacesInputsByTheMerge() throws Exception {
        try (ProfileStore store = ProfileStore.open(dir, 2, 8)) {
            Path a = store.store(fleet(1)).get(), b = store.store(fleet(2)).get(), later = store.store(fleet(3)).get();
            Path combined = store.combine(List.of(a, b), fleet(4));
            assertThat(store.snapshot()).containsExactly(combined, later);
            assertThat(Files.exists(dir.resolve(ProfileStore.JOURNAL))).isFalse();
        }
    }

    /** Crash after the journal, before the combined file's rename: the inputs stay, nothing is counted twice. */
    @Test
    void interruptedCombineBeforeCommitRollsBack() throws Exception {
        Path a = dir.resolve("1795000000001-0000000001-aaaaaa.pprof"), b = dir.resolve("1795000000002-0000000002-aaaaaa.pprof");
        Files.write(a, fleet(1));
        Files.write(b, fleet(2));
        String combinedName = "0000000000000-1795000000003-aaaaaac.pprof";
        Files.write(dir.resolve(ProfileStore.TEMP_PREFIX + combinedName), fleet(3));
        Files.writeString(dir.resolve(ProfileStore.JOURNAL), combinedName + "\n" + a.getFileName() + "\n" + b.getFileName() + "\n");
        try (ProfileStore store = ProfileStore.open(dir, 1, 4)) {
            assertThat(store.snapshot()).containsExactly(a, b);
            assertThat(Files.exists(dir.resolve(ProfileStore.JOURNAL))).isFalse();
        }
    }

    /** Crash after the combined file's rename, before the inputs were deleted: the restart finishes the job. */
    @Test
    void interruptedCombineAfterCommitRollsForward() throws Exception {
        Path a = dir.resolve("1795000000001-0000000001-aaaaaa.pprof"), b = dir.resolve("1795000000002-0000000002-aaaaaa.pprof");
        Path keep = dir.resolve("1795000000009-0000000003-aaaaaa.pprof");
        Files.write(a, fleet(1));
        Files.write(b, fleet(2));
        Files.write(keep, fleet(5));
        String combinedName = "0000000000000-1795000000003-aaaaaac.pprof";
        Files.write(dir.resolve(combinedName), fleet(3));
        Files.delete(a); // the crash came after deleting one input
        Files.writeString(dir.resolve(ProfileStore.JOURNAL), combinedName + "\n" + a.getFileName() + "\n" + b.getFileName() + "\n");
        try (ProfileStore store = ProfileStore.open(dir, 1, 4)) {
            assertThat(store.snapshot()).containsExactly(dir.resolve(combinedName), keep);
        }
    }

    /**
     * Crash while a committed rollup's inputs were being deleted, after a later rollup replaced it
     * in turn (so its own file is gone): the journal's name says it was committed, the restart
     * deletes its inputs and leaves everything else.
     */
    @Test
    void aCommittedRollupsInputsAreDeletedAtRestartEvenOnceItIsReplaced() throws Exception {
        Path a = dir.resolve("1795000000001-0000000001-aaaaaa.pprof"), b = dir.resolve("1795000000002-0000000002-aaaaaa.pprof");
        Path keep = dir.resolve("1795000000009-0000000003-aaaaaa.pprof");
        Files.write(a, fleet(1));
        Files.write(b, fleet(2));
        Files.write(keep, fleet(5));
        String first = StoredFile.rollup(1794999600000L, 1795003200000L, 1795000000100L, 2);
        String second = StoredFile.rollup(1794999600000L, 1795003200000L, 1795000000200L, 3);
        Files.write(dir.resolve(second), fleet(3)); // the rollup that replaced the first (and its inputs' content)
        Path retired = dir.resolve("retire-" + first + ".journal");
        Files.writeString(retired, first + "\n" + a.getFileName() + "\n" + b.getFileName() + "\n");
        try (ProfileStore store = ProfileStore.open(dir, 1, 4)) {
            assertThat(store.snapshot()).containsExactly(dir.resolve(second), keep);
            assertThat(retired).doesNotExist();
        }
    }

    @Test
    void aRollupCommitsWithoutWaitingForThePreviousRollupsInputsToBeDeleted() throws Exception {
        try (ProfileStore store = ProfileStore.open(dir, 2, 8)) {
            List<Path> raws = storeFleet(store, 4);
            long hour = hourOf(raws.get(0));
            Path first = store.rollup(hour, hour + Compactor.HOUR, raws.subList(0, 2), fleet(1));
            Path second = store.rollup(hour, hour + Compactor.HOUR, List.of(first, raws.get(2)), fleet(2));
            assertThat(store.snapshot()).containsExactly(second, raws.get(3));
            store.awaitReplaced();
            try (Stream<Path> s = Files.list(dir)) {
                assertThat(s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(SpareFiles.PREFIX)))
                        .containsExactlyInAnyOrder(second.getFileName().toString(), raws.get(3).getFileName().toString(),
                                "quarantine", "pgo-fleet.lock");
            }
            assertThat(spares()).as("the raw inputs of both rollups, kept as spares (the first rollup is deleted)").hasSize(3);
        }
    }

    /**
     * A rollup's inputs become spares that later writes overwrite: each new file holds exactly its
     * own bytes (a shorter profile over a longer one too), and a spare removed behind the store's
     * back is replaced by a new file.
     */
    @Test
    void laterWritesReuseTheFilesARollupRetired() throws Exception {
        try (ProfileStore store = ProfileStore.open(dir, 2, 8)) {
            List<Path> raws = storeFleet(store, 3);
            long hour = hourOf(raws.get(0));
            Path rollup = store.rollup(hour, hour + Compactor.HOUR, raws, fleet(1));
            store.awaitReplaced();
            List<Path> spares = spares();
            assertThat(spares).hasSize(3);
            Files.delete(spares.get(0));

            byte[] small = {1, 2, 3};
            List<Path> written = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                written.add(store.store(i % 2 == 0 ? small : fleet(4 + i)).get());
            }
            for (int i = 0; i < 4; i++) {
                assertThat(Files.readAllBytes(written.get(i))).isEqualTo(i % 2 == 0 ? small : fleet(4 + i));
            }
            assertThat(spares()).isEmpty();
            assertThat(store.snapshot()).containsExactly(Stream.concat(Stream.of(rollup), written.stream()).toArray(Path[]::new));

            // Sizes a listing took from the writes (no stat) are the files' sizes: a rollup recounts from them.
            Path next = store.rollup(hour, hour + Compactor.HOUR, List.of(rollup), fleet(1));
            long onDisk = 0;
            for (Path p : store.snapshot()) {
                onDisk += Files.size(p);
            }
            assertThat(store.snapshot()).contains(next);
            assertThat(store.storedBytes()).isEqualTo(onDisk);
        }
    }

    /** Spares are temp files: a restart removes them and lists exactly what was stored. */
    @Test
    void aRestartRemovesTheSpares() throws Exception {
        List<Path> stored;
        try (ProfileStore store = ProfileStore.open(dir, 2, 8)) {
            Path a = store.store(fleet(1)).get(), b = store.store(fleet(2)).get(), c = store.store(fleet(3)).get();
            long hour = hourOf(a);
            stored = List.of(store.rollup(hour, hour + Compactor.HOUR, List.of(a, b), fleet(1)), c);
            store.awaitReplaced();
            assertThat(spares()).hasSize(2);
        }
        try (ProfileStore store = ProfileStore.open(dir, 2, 8)) {
            assertThat(spares()).isEmpty();
            assertThat(store.snapshot()).containsExactlyElementsOf(stored);
        }
    }

    /** Stores fleet profiles 1..n, one after the other. */
    private static List<Path> storeFleet(ProfileStore store, int n) throws Exception {
        List<Path> raws = new java.util.ArrayList<>();
        for (int i = 1; i <= n; i++) {
            raws.add(store.store(fleet(i)).get());
        }
        return raws;
    }

    private static long hourOf(Path raw) {
        return StoredFile.of(raw).fromMillis() / Compactor.HOUR * Compactor.HOUR;
    }

    private List<Path> spares() throws java.io.IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(SpareFiles.PREFIX)).sorted().toList();
        }
    }

    /**
     * The directory fsync after a rollup's commit fails: the rollup stands, its inputs stay hidden,
     * and the next replacement first finishes the journal that names them, so that no restart
     * finds them again beside the rollup that holds them.
     */
    @Test
    void aRollupWhoseCommitCouldNotBeMadeDurableIsFinishedBeforeTheNextReplacement() throws Exception {
        java.util.concurrent.atomic.AtomicInteger failAt = new java.util.concurrent.atomic.AtomicInteger(-1);
        DirectorySync.Fsync fsync = d -> {
            if (failAt.getAndDecrement() == 0) {
                throw new java.io.IOException("injected: fsync of the directory failed");
            }
            DirectorySync.fsyncDirectory(d);
        };
        List<Path> raws;
        Path second;
        try (DiskStore store = DiskStore.open(dir, 2, 8, DecodeLimits.DEFAULT, fsync)) {
            raws = storeFleet(store, 4);
            long hour = hourOf(raws.get(0));
            failAt.set(1); // the journal's fsync works, the one after the commit fails
            assertThatThrownBy(() -> store.rollup(hour, hour + Compactor.HOUR, raws.subList(0, 2), fleet(1)))
                    .isInstanceOf(java.io.IOException.class);
            Path first = store.list().get(0).path();
            assertThat(store.snapshot()).containsExactly(first, raws.get(2), raws.get(3));

            second = store.rollup(hour, hour + Compactor.HOUR, List.of(first, raws.get(2)), fleet(2));
            store.awaitReplaced();
            assertThat(store.snapshot()).containsExactly(second, raws.get(3));
            assertThat(raws.get(0)).doesNotExist();
            assertThat(raws.get(1)).doesNotExist();
        }
        try (ProfileStore store = ProfileStore.open(dir, 1, 4)) {
            assertThat(store.snapshot()).containsExactly(second, raws.get(3));
        }
    }

    @Test
    void aStoredFileThatNoLongerParsesIsQuarantinedAndTheMergeGoesOn() throws Exception {
        try (ProfileStore store = ProfileStore.open(dir, 2, 8)) {
            store.store(fleet(1)).get();
            Path broken = store.store(fleet(2)).get();
            Files.write(broken, new byte[] {0x1f, (byte) 0x8b, 8, 0, 0}); // damaged on disk after the fact
            MergeService merges = new MergeService(store, DecodeLimits.DEFAULT, 2);
            MergeResult r = merges.merge(false).get();
            merges.close();
            assertThat(r.profiles()).isEqualTo(1);
            assertThat(store.snapshot()).hasSize(1);
            assertThat(dir.resolve("quarantine").resolve(broken.getFileName())).exists();
        }
    }

    @Test
    void repeatedMergesWithNothingNewShareOneResult() throws Exception {
        try (ProfileStore store = ProfileStore.open(dir, 2, 8)) {
            store.store(fleet(1)).get();
            MergeService merges = new MergeService(store, DecodeLimits.DEFAULT, 2);
            var first = merges.merge(false);
            var second = merges.merge(false);
            assertThat(second).isSameAs(first);
            first.get();
            store.store(fleet(2)).get();
            var third = merges.merge(false);
            assertThat(third).isNotSameAs(first);
            assertThat(third.get().profiles()).isEqualTo(2);
            merges.close();
        }
    }

    @Test
    void openFailsClearlyOnAnUnwritableDirectory() throws Exception {
        Path file = dir.resolve("not-a-dir");
        Files.writeString(file, "x");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ProfileStore.open(file.resolve("sub"), 1, 1))
                .isInstanceOf(java.io.IOException.class);
    }
}
