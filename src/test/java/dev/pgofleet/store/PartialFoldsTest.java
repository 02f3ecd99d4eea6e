package dev.pgofleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgofleet.pprof.CpuProfileCheck;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.ProfileMerger;
import dev.pgofleet.pprof.ProfileWriter;
import dev.pgofleet.pprof.ValidProfile;
import dev.pgofleet.store.StoredFile.Kind;
import dev.pgofleet.testing.Canonical;
import dev.pgofleet.testing.GoToolchain;
import dev.pgofleet.testing.Poll;
import dev.pgofleet.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Profiles folded at submit and rolled up from those partials, on a real disk: after compaction
 * every stored profile is in the store exactly once, whatever took files away meanwhile (a failed
 * store, a combine, a quarantine, a restart), and the merge means what merging the raw files means.
 */
class PartialFoldsTest {
    private static final DecodeLimits LIMITS = new DecodeLimits(64L << 20, 64 << 20);
    private static final long HOUR = Compactor.HOUR, DAY = Compactor.DAY;
    private static final long BUDGET = 64L << 20;

    @TempDir
    Path dir;

    @Test
    void acceptedProfilesAreRolledUpFromTheirPartialsWithoutReadingTheirFiles() throws Exception {
        List<byte[]> bodies = fleet(48);
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); PartialFolds partials = new PartialFolds(2, 64, BUDGET);
             Compactor compactor = compactor(store).usePartials(partials)) {
            storeAll(store, partials, bodies);
            assertThat(partials.foldedAtSubmit()).isEqualTo(48);

            assertThat(compactor.runOnce()).isEqualTo(48);

            assertThat(compactor.rolledFromPartials()).isEqualTo(48);
            assertThat(compactor.rolledFromFiles()).isZero();
            assertExactlyOnce(store, bodies);
            assertThat(partials.heldBytes()).as("partials released once rolled up").isZero();
            byte[] first = mergeStore(store);
            assertThat(mergeStore(store)).as("the served bytes are a function of what is stored").isEqualTo(first);
        }
    }

    @Test
    void rolledUpFromPartialsTheMergeMeansWhatGosMergeOfTheRawFilesMeans(@TempDir Path scratch) throws Exception {
        GoToolchain go = GoToolchain.require(scratch);
        List<byte[]> bodies = fleet(48);
        byte[] ours;
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); PartialFolds partials = new PartialFolds(2, 64, BUDGET);
             Compactor compactor = compactor(store).usePartials(partials)) {
            storeAll(store, partials, bodies);
            compactor.runOnce();
            assertThat(compactor.rolledFromPartials()).isEqualTo(48);
            ours = mergeStore(store);
        }
        List<String> args = new ArrayList<>(List.of("tool", "pprof", "-proto", "-symbolize=none", "-output", "go.pb.gz"));
        for (int i = 0; i < bodies.size(); i++) {
            Files.write(scratch.resolve("in" + i + ".pprof"), bodies.get(i));
            args.add("in" + i + ".pprof");
        }
        go.run(scratch, 120, args.toArray(String[]::new));
        assertThat(Canonical.of(ours)).isEqualTo(Canonical.of(Files.readAllBytes(scratch.resolve("go.pb.gz"))));
    }

    @Test
    void aMergeUsesThePartialsAsTheyStandInsteadOfReadingTheirFiles() throws Exception {
        List<byte[]> bodies = fleet(48);
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); PartialFolds partials = new PartialFolds(2, 64, BUDGET);
             Compactor compactor = compactor(store).usePartials(partials); MergeService merges = new MergeService(store, LIMITS, 2)) {
            merges.useCompactor(compactor);
            AtomicInteger read = new AtomicInteger();
            merges.foldCheck = p -> read.incrementAndGet();
            storeAll(store, partials, bodies);

            MergeResult m = merges.merge(false).join();

            assertThat(read).as("fold steps from files").hasValue(0);
            assertThat(m.profiles()).isEqualTo(48);
            assertThat(Canonical.of(m.body())).isEqualTo(Canonical.of(rawMerge(bodies)));
            assertThat(store.list()).as("no compaction pass ran").allMatch(f -> f.kind() == Kind.RAW).hasSize(48);
            assertThat(merges.merge(false).join().body()).as("the same bytes while nothing changes").isEqualTo(m.body());

            // Partials keep growing after the copy a merge took; the next merge holds the new profiles once.
            storeAll(store, partials, bodies.subList(0, 6));
            MergeResult later = merges.merge(false).join();
            assertThat(read).hasValue(0);
            List<byte[]> all = new ArrayList<>(bodies);
            all.addAll(bodies.subList(0, 6));
            assertThat(Canonical.of(later.body())).isEqualTo(Canonical.of(rawMerge(all)));
            compactor.runOnce();
            assertExactlyOnce(store, all);
        }
    }

    @Test
    void aMergeOfAFewRawFilesReadsThemAndIsTheirMergeByteForByte() throws Exception {
        List<byte[]> bodies = fleet(MergeService.READ_UP_TO);
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); PartialFolds partials = new PartialFolds(2, 64, BUDGET);
             Compactor compactor = compactor(store).usePartials(partials); MergeService merges = new MergeService(store, LIMITS, 2)) {
            merges.useCompactor(compactor);
            storeAll(store, partials, bodies);
            assertThat(merges.merge(false).join().body()).isEqualTo(rawMerge(bodies));
        }
    }

    @Test
    void aMergeDuringAPassUsesThePartialsThePassTook() throws Exception {
        List<byte[]> bodies = fleet(50);
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); PartialFolds partials = new PartialFolds(2, 64, BUDGET);
             Compactor compactor = compactor(store).usePartials(partials); MergeService merges = new MergeService(store, LIMITS, 2)) {
            merges.useCompactor(compactor);
            storeAll(store, partials, bodies.subList(0, 10));
            compactor.runOnce();
            // Damaged on disk once folded: a merge that read them instead of their partials would quarantine them.
            for (Path p : storeAll(store, partials, bodies.subList(10, 50))) {
                Files.write(p, new byte[] {0x1f, (byte) 0x8b, 8, 0, 0});
            }
            java.util.concurrent.atomic.AtomicReference<MergeResult> during = new java.util.concurrent.atomic.AtomicReference<>();
            compactor.foldCheck = p -> { // the pass has taken the partials and reads the hour's rollup: nothing committed yet
                if (during.get() == null) {
                    during.set(merges.merge(false).join());
                }
            };

            compactor.runOnce();

            assertThat(during.get().profiles()).isEqualTo(50);
            assertThat(Canonical.of(during.get().body())).isEqualTo(Canonical.of(rawMerge(bodies)));
            assertThat(dir.resolve("quarantine")).isEmptyDirectory();
            assertThat(compactor.rolledFromPartials()).isEqualTo(50);
        }
    }

    /**
     * A merge holds every profile accepted before it began, even one whose fold is stuck in the
     * queue, without waiting: it folds the queued profile, not its file (damaged here to show it);
     * a profile whose submit began after it, still waiting for its fold, is left to the next merge,
     * which holds it.
     */
    @Test
    void aMergeHoldsWhatWasAcceptedBeforeItAndLeavesLaterProfilesWhoseFoldIsQueued() throws Exception {
        List<byte[]> bodies = fleet(42);
        PartialFolds.Shared shared = new PartialFolds.Shared(1, 64, BUDGET);
        try (shared; ProfileStore store = ProfileStore.open(dir, 2, 64); PartialFolds partials = new PartialFolds(shared);
             Compactor compactor = compactor(store).usePartials(partials); MergeService merges = new MergeService(store, LIMITS, 2)) {
            merges.useCompactor(compactor);
            storeAll(store, partials, bodies.subList(0, 40));
            CountDownLatch release = blockFoldThread(shared);
            storeQueuedAndDamaged(store, partials, bodies.get(40));
            ValidProfile later = decode(bodies.get(41));
            merges.beforeListing = () -> partials.store(store, bodies.get(41), later).join();

            MergeResult m = merges.merge(false).join();

            assertThat(m.profiles()).as("the stuck profile folded from the queue, the later one left out").isEqualTo(41);
            assertThat(Canonical.of(m.body())).isEqualTo(Canonical.of(rawMerge(bodies.subList(0, 41))));
            assertThat(dir.resolve("quarantine")).as("the damaged file was not read").isEmptyDirectory();

            merges.beforeListing = () -> {};
            release.countDown();
            Poll.until("every fold made, none left queued", Duration.ofSeconds(10), () -> partials.foldsQueued() == 0);
            AtomicInteger read = new AtomicInteger();
            merges.foldCheck = p -> read.incrementAndGet();
            MergeResult next = merges.merge(false).join();
            assertThat(next.profiles()).isEqualTo(42);
            assertThat(Canonical.of(next.body())).isEqualTo(Canonical.of(rawMerge(bodies)));
            assertThat(read).as("both now held by partials, nothing read").hasValue(0);
        }
    }

    /**
     * Stores {@code body} while the fold thread is blocked: accepted, its fold queued; then damages
     * its file, so that a merge that reads it instead of folding the queued copy shows.
     */
    private void storeQueuedAndDamaged(ProfileStore store, PartialFolds partials, byte[] body) throws Exception {
        Path queued = partials.store(store, body, decode(body)).join();
        assertThat(partials.foldsQueued()).as("its fold waits behind the blocker").isEqualTo(1);
        Files.write(queued, new byte[] {0x1f, (byte) 0x8b, 8, 0});
    }

    /**
     * A profile whose fold the fold thread makes while a merge runs (after the merge copied the
     * queue and the partials, before it folds) is folded from the merge's copy of the queue: its
     * file, damaged here to show it, is not read.
     */
    @Test
    void aProfileFoldedWhileAMergeRunsIsFoldedFromTheQueueTheMergeCopied() throws Exception {
        List<byte[]> bodies = fleet(41);
        PartialFolds.Shared shared = new PartialFolds.Shared(1, 64, BUDGET);
        try (shared; ProfileStore store = ProfileStore.open(dir, 2, 64); PartialFolds partials = new PartialFolds(shared);
             Compactor compactor = compactor(store).usePartials(partials); MergeService merges = new MergeService(store, LIMITS, 2)) {
            merges.useCompactor(compactor);
            storeAll(store, partials, bodies.subList(0, 40));
            CountDownLatch release = blockFoldThread(shared);
            storeQueuedAndDamaged(store, partials, bodies.get(40));
            merges.beforeListing = () -> {
                release.countDown();
                try {
                    Poll.until("the fold made while the merge runs", Duration.ofSeconds(10), () -> partials.foldsQueued() == 0);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };

            MergeResult m = merges.merge(false).join();

            assertThat(m.profiles()).isEqualTo(41);
            assertThat(Canonical.of(m.body())).isEqualTo(Canonical.of(rawMerge(bodies)));
            assertThat(dir.resolve("quarantine")).as("the damaged file was not read").isEmptyDirectory();
        }
    }

    /** When the directory fsync of the profile held in it ends: it fails, ends after the merge, or ends while the merge runs. */
    enum HeldFsync { FAILS, ENDS_AFTER_THE_MERGE, ENDS_WHILE_THE_MERGE_RUNS }

    /**
     * A profile renamed into the store but not yet durable (its directory fsync still running) is
     * not accepted yet: no merge holds it, windowed ones included, so when its fsync then fails and
     * its client is told to retry, no merge has counted it; once it is durable, the next merge
     * holds it (the merge made without it is not shared any more). Still being made durable when a
     * merge takes its mark, it was not accepted before the merge began: the merge leaves it out even
     * when it becomes durable before the listing, rather than read its file.
     */
    @ParameterizedTest(name = "the directory fsync {0}")
    @EnumSource(HeldFsync.class)
    void aProfileStillBeingMadeDurableIsInNoMergeUntilItIs(HeldFsync fsync) throws Exception {
        List<byte[]> bodies = fleet(41);
        AtomicBoolean hold = new AtomicBoolean();
        CountDownLatch inFsync = new CountDownLatch(1), release = new CountDownLatch(1);
        DirectorySync.Fsync held = FaultyStores.held(() -> hold.getAndSet(false), inFsync, release, fsync == HeldFsync.FAILS);
        try (ProfileStore store = DiskStore.open(dir, 2, 64, LIMITS, held); PartialFolds partials = new PartialFolds(1, 64, BUDGET);
             Compactor compactor = compactor(store).usePartials(partials); MergeService merges = new MergeService(store, LIMITS, 2)) {
            merges.useCompactor(compactor);
            storeAll(store, partials, bodies.subList(0, 40));
            hold.set(true);
            CompletableFuture<Path> last = partials.store(store, bodies.get(40), decode(bodies.get(40)));
            assertThat(inFsync.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(store.list()).as("renamed, not yet durable").hasSize(41);
            AtomicInteger read = new AtomicInteger();
            merges.foldCheck = p -> read.incrementAndGet();
            if (fsync == HeldFsync.ENDS_WHILE_THE_MERGE_RUNS) {
                merges.beforeListing = () -> {
                    release.countDown();
                    last.join(); // durable, its 204 on its way
                };
            }

            MergeResult m = merges.merge(false).join();

            assertThat(m.profiles()).isEqualTo(40);
            assertThat(Canonical.of(m.body())).isEqualTo(Canonical.of(rawMerge(bodies.subList(0, 40))));
            if (fsync == HeldFsync.ENDS_WHILE_THE_MERGE_RUNS) {
                assertThat(read).as("nothing folded but the partial copies of the 40: no file read").hasValue(0);
                merges.beforeListing = () -> {};
            } else {
                assertThat(merges.mergeSince(false, 0).join().profiles()).as("a windowed merge").isEqualTo(40);
                release.countDown();
            }
            if (fsync == HeldFsync.FAILS) {
                assertThatThrownBy(last::join).hasCauseInstanceOf(StorageException.class);
                assertThat(merges.merge(false).join().profiles()).isEqualTo(40);
            } else {
                last.join(); // its 204
                MergeResult next = merges.merge(false).join();
                assertThat(next.profiles()).isEqualTo(41);
                assertThat(Canonical.of(next.body())).isEqualTo(Canonical.of(rawMerge(bodies)));
            }
        }
    }

    /** A pass detaching a partial while a merge copies the partials: the merge holds it once. */
    @Test
    void aPartialDetachedWhileAMergeCopiesThemIsCopiedOnce() throws Exception {
        List<byte[]> bodies = fleet(40);
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); PartialFolds partials = new PartialFolds(1, 64, BUDGET)) {
            storeAll(store, partials, bodies);
            partials.afterOpenCopies = () -> partials.detachAll();

            List<PartialFolds.Snapshot> copies = partials.snapshot();

            assertThat(copies).hasSize(1);
            assertThat(copies.get(0).files()).hasSize(40);
        }
    }

    @Test
    void aMergeReadsTheFilesOfAPartialOneOfWhoseFilesIsGone() throws Exception {
        List<byte[]> bodies = fleet(40);
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); PartialFolds partials = new PartialFolds(1, 64, BUDGET);
             Compactor compactor = compactor(store).usePartials(partials); MergeService merges = new MergeService(store, LIMITS, 2)) {
            merges.useCompactor(compactor);
            AtomicInteger read = new AtomicInteger();
            merges.foldCheck = p -> read.incrementAndGet();
            List<Path> paths = storeAll(store, partials, bodies);
            store.quarantine(paths.get(2), "set aside by the test");

            MergeResult m = merges.merge(false).join();

            assertThat(read.get()).as("the partial holds a file no longer stored: the others are read").isPositive();
            List<byte[]> kept = new ArrayList<>(bodies);
            kept.remove(2);
            assertThat(m.profiles()).isEqualTo(39);
            assertThat(Canonical.of(m.body())).isEqualTo(Canonical.of(rawMerge(kept)));
        }
    }

    @Test
    void aProfileWhoseStoreFailedIsNeverFolded() throws Exception {
        List<byte[]> bodies = fleet(6);
        AtomicInteger failures = new AtomicInteger();
        try (ProfileStore store = FaultyStores.failingDirectoryFsync(dir, 2, 64, LIMITS, failures);
             PartialFolds partials = new PartialFolds(1, 64, BUDGET); Compactor compactor = compactor(store).usePartials(partials)) {
            failures.set(1);
            CompletableFuture<Path> failed = partials.store(store, bodies.get(0), decode(bodies.get(0)));
            assertThatThrownBy(failed::join).hasCauseInstanceOf(StorageException.class);
            storeAll(store, partials, bodies.subList(1, 6));

            compactor.runOnce();

            assertThat(compactor.rolledFromPartials()).isEqualTo(5);
            assertExactlyOnce(store, bodies.subList(1, 6));
        }
    }

    @Test
    void aCombineThatTookFilesOfAPartialMakesItsOtherFilesBeRead() throws Exception {
        List<byte[]> bodies = fleet(15);
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); PartialFolds partials = new PartialFolds(1, 64, BUDGET);
             Compactor compactor = compactor(store).usePartials(partials); MergeService merges = new MergeService(store, LIMITS, 2)) {
            storeAll(store, partials, bodies.subList(0, 10));
            merges.combine(false).join();
            storeAll(store, partials, bodies.subList(10, 15));

            compactor.runOnce();

            // One fold thread, one hour: the partial holds all 15 but 10 are in the combined file now.
            assertThat(compactor.rolledFromPartials()).isZero();
            assertThat(compactor.rolledFromFiles()).isEqualTo(5);
            assertExactlyOnce(store, bodies);
        }
    }

    @Test
    void aQuarantinedFileMakesItsPartialUnusedAndTheOthersAreRead() throws Exception {
        List<byte[]> bodies = fleet(6);
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); PartialFolds partials = new PartialFolds(1, 64, BUDGET);
             Compactor compactor = compactor(store).usePartials(partials)) {
            List<Path> paths = storeAll(store, partials, bodies);
            store.quarantine(paths.get(2), "set aside by the test");

            compactor.runOnce();

            assertThat(compactor.rolledFromPartials()).isZero();
            assertThat(compactor.rolledFromFiles()).isEqualTo(5);
            List<byte[]> kept = new ArrayList<>(bodies);
            kept.remove(2);
            assertExactlyOnce(store, kept);
        }
    }

    @Test
    void afterARestartTheRawFilesAreReadAsBefore() throws Exception {
        List<byte[]> bodies = fleet(8);
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); PartialFolds partials = new PartialFolds(2, 64, BUDGET)) {
            storeAll(store, partials, bodies);
        }
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); PartialFolds partials = new PartialFolds(2, 64, BUDGET);
             Compactor compactor = compactor(store).usePartials(partials)) {
            compactor.runOnce();

            assertThat(compactor.rolledFromFiles()).isEqualTo(8);
            assertThat(compactor.rolledFromPartials()).isZero();
            assertExactlyOnce(store, bodies);
        }
    }

    @Test
    void partialsOfManyHoursGoToTheirHoursAndFinishedDaysAreRolledUp() throws Exception {
        long day0 = Compactor.floor(System.currentTimeMillis(), DAY) - 3 * DAY;
        List<byte[]> bodies = new ArrayList<>();
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); PartialFolds partials = new PartialFolds(2, 64, BUDGET);
             Compactor compactor = compactor(store).usePartials(partials)) {
            List<byte[]> fleet = fleet(24);
            int folded = 0;
            for (int i = 0; i < 40; i++) {
                byte[] body = fleet.get(i % 24);
                bodies.add(body);
                // 40 profiles, 100 minutes apart: 40 hours over three finished days.
                Path raw = dir.resolve(StoredFile.raw(day0 + i * 100 * 60_000L + 1, i + 1, "0ther0"));
                Files.write(raw, body);
                if (i % 3 != 0) { // the others are read from their files, as after a restart
                    partials.durable(raw, decode(body));
                    partials.fold(raw, decode(body));
                    folded++;
                }
            }
            assertThat(partials.heldBytes()).isPositive();

            compactor.runOnce();

            assertThat(compactor.rolledFromPartials()).isEqualTo(folded);
            assertThat(compactor.rolledFromFiles()).isEqualTo(40 - folded);
            assertThat(partials.heldBytes()).as("every partial used, none left behind").isZero();
            List<StoredFile> files = store.list();
            assertThat(files).noneMatch(f -> f.kind() == Kind.RAW);
            assertThat(files.stream().filter(f -> f.toMillis() - f.fromMillis() == DAY).count())
                    .as("the three finished days are daily rollups").isEqualTo(3);
            assertExactlyOnce(store, bodies);
        }
    }

    @Test
    void aFileWhoseFoldIsPendingIsLeftToItsPartial() throws Exception {
        byte[] body = TestData.bytes("profiles/fleet/inst001.pprof");
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); PartialFolds partials = new PartialFolds(1, 64, BUDGET);
             Compactor compactor = compactor(store).usePartials(partials)) {
            Path raw = dir.resolve(StoredFile.raw(System.currentTimeMillis() - HOUR, 1, "0ther0"));
            Files.write(raw, body);
            partials.durable(raw, decode(body));

            assertThat(compactor.runOnce()).as("not read while its fold is to come").isZero();
            assertThat(store.list()).extracting(StoredFile::path).containsExactly(raw);

            partials.fold(raw, decode(body));
            compactor.runOnce();
            assertThat(compactor.rolledFromPartials()).isEqualTo(1);
            assertExactlyOnce(store, List.of(body));
        }
    }

    @Test
    void pastTheMemoryBudgetProfilesAreLeftToTheirFiles() throws Exception {
        List<byte[]> bodies = fleet(10);
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); PartialFolds partials = new PartialFolds(2, 64, 1);
             Compactor compactor = compactor(store).usePartials(partials)) {
            storeAll(store, partials, bodies);
            assertThat(partials.foldedAtSubmit()).isZero();
            assertThat(partials.notFolded()).isEqualTo(10);

            compactor.runOnce();

            assertThat(compactor.rolledFromFiles()).isEqualTo(10);
            assertExactlyOnce(store, bodies);
        }
    }

    private Compactor compactor(ProfileStore store) {
        return new Compactor(store, LIMITS, null, 0, 2, System::currentTimeMillis, () -> false);
    }

    private static List<byte[]> fleet(int n) throws Exception {
        List<Path> fleet = TestData.fleet();
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            bodies.add(Files.readAllBytes(fleet.get(i % fleet.size())));
        }
        return bodies;
    }

    private static ValidProfile decode(byte[] body) throws Exception {
        return CpuProfileCheck.requireValid(body, LIMITS);
    }

    /** Keeps the one fold thread of {@code shared} busy until the returned latch is counted down. */
    private static CountDownLatch blockFoldThread(PartialFolds.Shared shared) {
        CountDownLatch release = new CountDownLatch(1);
        shared.pool.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return release;
    }

    /** Stores as the submit handler does, and waits until every fold is done. */
    private static List<Path> storeAll(ProfileStore store, PartialFolds partials, List<byte[]> bodies) throws Exception {
        List<CompletableFuture<Path>> futures = new ArrayList<>();
        for (byte[] b : bodies) {
            futures.add(partials.store(store, b, decode(b)));
        }
        List<Path> paths = new ArrayList<>();
        for (CompletableFuture<Path> f : futures) {
            paths.add(f.join());
        }
        Poll.until("every fold decided", Duration.ofSeconds(10), () -> partials.unresolved() == 0);
        return paths;
    }

    /** Nothing raw left, the stored count is the profiles', and the merge means the same as merging them directly. */
    private static void assertExactlyOnce(ProfileStore store, List<byte[]> bodies) throws Exception {
        assertThat(store.list()).noneMatch(f -> f.kind() == Kind.RAW);
        assertThat(store.storedProfiles()).isEqualTo(bodies.size());
        assertThat(Canonical.of(mergeStore(store))).isEqualTo(Canonical.of(rawMerge(bodies)));
    }

    private static byte[] mergeStore(ProfileStore store) throws Exception {
        try (MergeService merges = new MergeService(store, LIMITS, 2)) {
            return merges.merge(false).join().body();
        }
    }

    private static byte[] rawMerge(List<byte[]> inputs) throws Exception {
        ProfileMerger m = new ProfileMerger(true);
        for (byte[] b : inputs) {
            m.add(ValidProfile.parse(b, LIMITS));
        }
        return ProfileWriter.write(m.result());
    }
}
