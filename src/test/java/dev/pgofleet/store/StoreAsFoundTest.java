package dev.pgofleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store as an operator may leave it: odd entries, a second collector, failing directory fsyncs. */
class StoreAsFoundTest {
    @TempDir
    Path dir;
    @TempDir
    Path outside;

    private static byte[] fleet(int i) {
        return TestData.bytes(String.format("profiles/fleet/inst%03d.pprof", i));
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0).as(String.join(" ", cmd) + ": " + out).isTrue();
    }

    private static MergeResult merge(ProfileStore store) throws Exception {
        try (MergeService merges = new MergeService(store, DecodeLimits.DEFAULT, 2)) {
            return merges.merge(false).get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void onlyRegularFilesAreStoredProfilesAnythingElseIsSetAsideAndNothingBlocks() throws Exception {
        Path real = dir.resolve("1795000000001-0000000001-aaaaaa.pprof");
        Files.write(real, fleet(1));
        Path elsewhere = Files.write(outside.resolve("p.pprof"), fleet(2));
        Files.createSymbolicLink(dir.resolve("1795000000002-0000000002-aaaaaa.pprof"), dir.resolve("gone.pprof"));
        Files.createSymbolicLink(dir.resolve("1795000000003-0000000003-aaaaaa.pprof"), Path.of("/dev/zero"));
        Files.createSymbolicLink(dir.resolve("1795000000004-0000000004-aaaaaa.pprof"), elsewhere);
        run("mkfifo", dir.resolve("1795000000005-0000000005-aaaaaa.pprof").toString());
        Files.createDirectory(dir.resolve("1795000000006-0000000006-aaaaaa.pprof"));
        try (ProfileStore store = ProfileStore.open(dir, 2, 8)) { // a dangling link used to stop the start
            assertThat(store.snapshot()).containsExactly(real);
            assertThat(store.storedCount()).isEqualTo(1);
            MergeResult r = merge(store); // a FIFO used to block it forever, /dev/zero to exhaust the heap
            assertThat(r.profiles()).isEqualTo(1);
        }
        try (Stream<Path> q = Files.list(dir.resolve("quarantine"))) {
            assertThat(q.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "1795000000002-0000000002-aaaaaa.pprof", "1795000000003-0000000003-aaaaaa.pprof",
                    "1795000000004-0000000004-aaaaaa.pprof", "1795000000005-0000000005-aaaaaa.pprof",
                    "1795000000006-0000000006-aaaaaa.pprof");
        }
        assertThat(Files.isSymbolicLink(dir.resolve("quarantine/1795000000003-0000000003-aaaaaa.pprof"))).isTrue();
        assertThat(elsewhere).exists();
    }

    @Test
    void anOddEntryAppearingWhileRunningIsSkippedByMerges() throws Exception {
        try (ProfileStore store = ProfileStore.open(dir, 2, 8)) {
            store.store(fleet(1)).get();
            run("mkfifo", dir.resolve("1795000000005-0000000005-aaaaaa.pprof").toString());
            Files.createSymbolicLink(dir.resolve("1795000000003-0000000003-aaaaaa.pprof"), Path.of("/dev/zero"));
            assertThat(merge(store).profiles()).isEqualTo(1);
            assertThat(store.rescan()).hasSize(1); // what a compaction pass does first
            assertThat(merge(store).profiles()).isEqualTo(1);
            assertThat(dir.resolve("quarantine/1795000000005-0000000005-aaaaaa.pprof")).exists();
            assertThat(Files.isSymbolicLink(dir.resolve("quarantine/1795000000003-0000000003-aaaaaa.pprof"))).isTrue();
        }
    }

    /**
     * Merges list what the store keeps in memory, not the directory: a file placed by hand while
     * the collector runs is merged once the store looks again (each compaction pass does), one
     * removed by hand is dropped at a read that misses it or at that look, and a merge never fails.
     */
    @Test
    void filesPlacedOrRemovedByHandWhileRunningAreSeenAtTheNextLook() throws Exception {
        try (ProfileStore store = ProfileStore.open(dir, 2, 8)) {
            Path ours = store.store(fleet(1)).get();
            Path placed = Files.write(dir.resolve("1795000000007-0000000007-aaaaaa.pprof"), fleet(2));
            assertThat(merge(store).profiles()).as("not yet looked at").isEqualTo(1);
            long before = store.generation();
            assertThat(store.rescan()).extracting(StoredFile::path).containsExactlyInAnyOrder(ours, placed);
            assertThat(store.generation()).as("cached merges are stale").isGreaterThan(before);
            assertThat(store.storedCount()).isEqualTo(2);
            assertThat(merge(store).profiles()).isEqualTo(2);
            long unchanged = store.generation();
            store.rescan();
            assertThat(store.generation()).as("nothing new: cached merges stay").isEqualTo(unchanged);

            Files.delete(placed);
            store.rescan();
            assertThat(store.snapshot()).containsExactly(ours);
            assertThat(store.storedCount()).isEqualTo(1);
            Path second = store.store(fleet(3)).get();
            Files.delete(ours); // gone before the store looks again: the merge that misses it goes on without it
            assertThat(merge(store).profiles()).isEqualTo(1);
            assertThat(store.snapshot()).containsExactly(second);
            assertThat(dir.resolve("quarantine")).isEmptyDirectory();
        }
    }

    @Test
    void aSecondStoreOnTheSameDirectoryIsRefusedUntilTheFirstCloses() throws Exception {
        try (ProfileStore first = ProfileStore.open(dir, 1, 4)) {
            assertThatThrownBy(() -> ProfileStore.open(dir, 1, 4)).isInstanceOf(StoreOpenException.class)
                    .hasMessageContaining("directory " + dir.toAbsolutePath().normalize() + " is in use by another collector");
            assertThat(first.store(fleet(1)).get()).exists(); // the refused open took nothing from the first
        }
        try (ProfileStore again = ProfileStore.open(dir, 1, 4)) {
            assertThat(again.snapshot()).hasSize(1);
        }
    }

    /** The rename is done but its directory fsync fails: the 503 must be true, so the file is taken back out. */
    @Test
    void aFailedDirectoryFsyncLeavesNothingStoredSoTheRetryIsCountedOnce() throws Exception {
        AtomicInteger failures = new AtomicInteger(1);
        DirectorySync.Fsync flaky = d -> {
            if (failures.getAndDecrement() > 0) {
                throw new IOException("injected: fsync of the directory failed");
            }
            DirectorySync.fsyncDirectory(d);
        };
        try (ProfileStore store = DiskStore.open(dir, 2, 8, DecodeLimits.DEFAULT, flaky)) {
            long before = store.generation();
            assertThatThrownBy(() -> store.store(fleet(1)).get()).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(StorageException.class);
            assertThat(store.snapshot()).isEmpty();
            assertThat(store.storedCount()).isZero();
            assertThat(store.generation()).isGreaterThan(before);
            store.store(fleet(1)).get(); // the client's retry
            MergeResult r = merge(store);
            assertThat(r.profiles()).isEqualTo(1);
            assertThat(store.storedProfiles()).isEqualTo(1);
        }
    }

    @Test
    void aCombineLeavesOutAFileWhoseRenameIsNotYetDurable() throws Exception {
        java.util.concurrent.CountDownLatch inFsync = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        // The second submit's group commit waits, then fails.
        DirectorySync.Fsync held = FaultyStores.held(() -> calls.incrementAndGet() == 2, inFsync, release, true);
        try (ProfileStore store = DiskStore.open(dir, 2, 8, DecodeLimits.DEFAULT, held);
             MergeService merges = new MergeService(store, DecodeLimits.DEFAULT, 2)) {
            store.store(fleet(1)).get();
            var second = store.store(fleet(2));
            assertThat(inFsync.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(store.snapshot()).hasSize(2); // renamed, not yet durable
            MergeResult combined = merges.combine(false).get(20, TimeUnit.SECONDS);
            assertThat(combined.profiles()).isEqualTo(1);
            release.countDown();
            assertThatThrownBy(second::get).hasCauseInstanceOf(StorageException.class);
            store.store(fleet(2)).get(); // the retry
            assertThat(merges.merge(false).get(20, TimeUnit.SECONDS).profiles()).isEqualTo(2);
        }
    }

    @Test
    void unknownNamesAreMergedButNeverFoldedOrDeleted() throws Exception {
        Path foreign = dir.resolve("copied-by-hand.pprof");
        Files.write(foreign, fleet(3));
        assertThat(StoredFile.of(foreign).kind()).isEqualTo(StoredFile.Kind.UNKNOWN);
        try (ProfileStore store = ProfileStore.open(dir, 2, 8)) {
            store.store(fleet(1)).get();
            assertThat(store.unfoldedCount()).isEqualTo(1);
            new Compactor(store, DecodeLimits.DEFAULT, java.time.Duration.ofMillis(1), 0, 1, System::currentTimeMillis, () -> false)
                    .runOnce();
            assertThat(store.snapshot()).contains(foreign);
            assertThat(merge(store).profiles()).isEqualTo(2);
        }
    }

    @Test
    void aStoreDirectoryThatIsAFileGivesOneLineSayingSo() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertThatThrownBy(() -> ProfileStore.open(file, 1, 1)).isInstanceOf(StoreOpenException.class)
                .hasMessage("directory " + file + " is not writable: " + file + " is a file, not a directory");
    }

    @Test
    void aDirectoryThatCannotBeCreatedGivesOneLineNamingIt() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        assertThatThrownBy(() -> ProfileStore.open(file.resolve("sub"), 1, 1)).isInstanceOf(StoreOpenException.class)
                .hasMessageStartingWith("directory " + file.resolve("sub") + " is not writable: ")
                .hasMessageNotContaining("Exception");
        assertThat(Files.exists(file.resolve("sub"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    }
}
