package dev.pgofleet.store;

import dev.pgofleet.config.GoDuration;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.pprof.ProfileMerger;
import dev.pgofleet.pprof.ProfileWriter;
import dev.pgofleet.store.StoredFile.Kind;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds raw profiles into rollups in the background (the {@link CompactionScheduler} runs the
 * passes), so that a merge reads a handful of rollups plus the few profiles stored since the last
 * pass. Raw profiles go into their hour's rollup
 * (UTC), replaced by a new version each pass; once a day is over its hourly rollups are folded
 * into one daily rollup. Then retention deletes what is too old or too much.
 *
 * <p>A rollup is the streaming merge of its previous version and the new profiles in arrival
 * order, so merging rollups gives what merging every raw profile would (stored values are never
 * negative, so no partial sum vanishes early). Memory follows the merged profile: inputs are
 * decoded a few at a time, and a pass takes at most {@link #BATCH} profiles.
 */
public final class Compactor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Compactor.class);
    static final long HOUR = 3_600_000L, DAY = 24 * HOUR;
    static final int BATCH = 4096, EAGER_BACKLOG = 256;
    /** Below this many waiting profiles, compaction gives the cores to submits whenever they are busy. */
    static final int YIELD_BELOW_BACKLOG = 10_000;

    private final ProfileStore store;
    private final Quarantine quarantine;
    private final Duration retention; // null: keep everything
    private final long maxStoreBytes; // 0: no limit
    private final LongSupplier clock;
    private final BooleanSupplier submitsBusy;
    private volatile boolean closing;
    /** Callers waiting for a pass (merges catching up): no yielding while any wait. */
    private final AtomicInteger urgent = new AtomicInteger();
    private final int decodeThreads;
    private final ExecutorService decodePool;
    private final boolean ownsDecodePool;
    private final AtomicLong foldedProfiles = new AtomicLong(), deletedFiles = new AtomicLong();
    /** Runs before each fold step; tests make it fail, as no valid stored profile makes a merger's add fail. */
    volatile ParallelFold.Folder foldCheck = p -> {};
    /** Profiles folded at submit (null: none, every raw file is read). */
    private volatile PartialFolds early;
    private final AtomicLong fromPartials = new AtomicLong(), fromFiles = new AtomicLong();

    /**
     * {@code submitsBusy} says when submits want every core: compaction then waits before it reads
     * each raw file (while fewer than {@link #YIELD_BELOW_BACKLOG} profiles wait), so a burst is
     * taken at full rate and folded once it is over.
     */
    public Compactor(ProfileStore store, DecodeLimits limits, Duration retention, long maxStoreBytes, int decodeThreads,
                     LongSupplier clock, BooleanSupplier submitsBusy) {
        this(store, limits, retention, maxStoreBytes, decodeThreads, clock, submitsBusy, null);
    }

    /**
     * With inputs decoded on {@code sharedDecodePool} (null: a pool of its own), which the caller
     * shuts down: one service's compactor among many.
     */
    public Compactor(ProfileStore store, DecodeLimits limits, Duration retention, long maxStoreBytes, int decodeThreads,
                     LongSupplier clock, BooleanSupplier submitsBusy, ExecutorService sharedDecodePool) {
        this.submitsBusy = submitsBusy;
        this.store = store;
        this.quarantine = new Quarantine(store, limits);
        this.retention = retention;
        this.maxStoreBytes = maxStoreBytes;
        this.clock = clock;
        this.decodeThreads = Math.max(1, decodeThreads);
        this.ownsDecodePool = sharedDecodePool == null;
        this.decodePool = ownsDecodePool ? Executors.newFixedThreadPool(this.decodeThreads, Threads.named("compact-decode"))
                : sharedDecodePool;
    }

    /** Rolls up the partials {@code p} folds at submit instead of reading the raw files they hold. */
    public Compactor usePartials(PartialFolds p) {
        this.early = p;
        return this;
    }

    /** The partials folded at submit that this compactor rolls up (null: none). */
    PartialFolds partials() {
        return early;
    }

    /** Raw profiles rolled up from partials folded at submit, and from their files, since start. */
    public long rolledFromPartials() {
        return fromPartials.get();
    }

    public long rolledFromFiles() {
        return fromFiles.get();
    }

    /**
     * Whether a merge finding {@code waiting} raw profiles should have the compactor fold them
     * first: with partials folded at submit a pass costs about one rollup, less than reading a few
     * dozen raw files; without, it reads every file as the merge would.
     */
    public boolean worthCatchingUp(long waiting) {
        return waiting > (early != null ? CATCH_UP_WITH_PARTIALS : MergeService.CATCH_UP_ABOVE);
    }

    static final int CATCH_UP_WITH_PARTIALS = 32;

    /**
     * How many waiting profiles make a pass due before the interval is over. With partials folded
     * at submit a merge uses them as they stand and needs no pass, and each pass rewrites the
     * hour's rollup, so passes come less often: the backlog stays far below the lag limit.
     */
    public long eagerBacklog() {
        return early != null ? EAGER_WITH_PARTIALS : EAGER_BACKLOG;
    }

    static final int EAGER_WITH_PARTIALS = 2048;

    /** Profiles folded into rollups and files deleted by retention since start (for metrics). */
    public long foldedProfiles() {
        return foldedProfiles.get();
    }

    public long deletedFiles() {
        return deletedFiles.get();
    }

    /** Stored files set aside by compaction since start: submitted profiles, and the collector's own files (alarms). */
    public long quarantinedSubmitted() {
        return quarantine.submittedFiles();
    }

    public long quarantinedOwn() {
        return quarantine.ownFiles();
    }

    /**
     * Folds everything settled now, without yielding to submits: a merge about to read many raw
     * profiles calls this first, so the work is done once (into rollups) instead of twice.
     */
    public void catchUp() throws IOException, InvalidProfileException, ParallelFold.InputException {
        urgent.incrementAndGet();
        try {
            // What waits now, not what keeps arriving: a merge under a steady flood still ends.
            for (long passes = store.unfoldedCount() / BATCH + 1; passes > 0 && pass() >= BATCH; passes--) {
                // one bounded batch at a time
            }
        } finally {
            urgent.decrementAndGet();
        }
    }

    /** One pass ({@link #runOnce}); a failure is logged (the next pass retries) and counts as nothing taken. */
    int passQuietly() {
        try {
            return pass(); // the replaced files leave every listing at once; their deletion goes on in the background
        } catch (Exception | OutOfMemoryError e) {
            log.error("compaction pass failed (what it committed stays; the next pass retries the rest): {}", IoReason.describe(e));
            return 0;
        }
    }

    /**
     * One pass: fold settled raw profiles (at most {@link #BATCH}), roll finished days, apply
     * retention. Returns how many raw profiles it took (folded, or quarantined if unreadable):
     * those held by partials folded at submit come on top of the batch. Returns once the files
     * it replaced are deleted.
     */
    public int runOnce() throws IOException, InvalidProfileException, ParallelFold.InputException {
        int taken = pass();
        store.awaitReplaced();
        return taken;
    }

    /** {@link #runOnce} without waiting for the replaced files' deletion (they are out of every listing already). */
    private int pass() throws IOException, InvalidProfileException, ParallelFold.InputException {
        store.maintenanceLock().lock();
        try {
            long start = System.nanoTime(), early0 = fromPartials.get();
            int taken = foldRaw();
            if (taken > 0) {
                log.info("compacted {} profiles ({} folded at submit) in {} ms; {} wait", taken, fromPartials.get() - early0,
                        (System.nanoTime() - start) / 1_000_000, store.unfoldedCount());
            }
            List<StoredFile> listed = store.list();
            if (rollDays(listed)) {
                listed = store.list();
            }
            if (retention != null || maxStoreBytes > 0) {
                applyRetention(listed);
            }
            return taken;
        } finally {
            store.maintenanceLock().unlock();
        }
    }

    /**
     * Folds settled raw files into their hours' rollups: those a partial folded at submit holds
     * through the partial, the others by reading them. Partials are taken before the listing, and
     * one is used only when every file it holds is listed (see {@link PartialFolds}).
     */
    private int foldRaw() throws IOException, InvalidProfileException, ParallelFold.InputException {
        PartialFolds p = early;
        List<PartialFolds.Partial> partials = p == null ? List.of() : p.detachAll();
        try {
            List<StoredFile> all = store.rescan();
            Map<String, Path> raws = new HashMap<>();
            for (StoredFile f : all) {
                if (f.kind() == Kind.RAW) {
                    raws.put(f.path().getFileName().toString(), f.path());
                }
            }
            Map<Long, List<PartialFolds.Partial>> usable = new TreeMap<>();
            Set<Path> covered = new HashSet<>();
            for (PartialFolds.Partial part : partials) {
                if (part.files.stream().allMatch(f -> raws.containsKey(f.getFileName().toString()))) {
                    usable.computeIfAbsent(part.hour, h -> new ArrayList<>()).add(part);
                    part.files.forEach(f -> covered.add(raws.get(f.getFileName().toString())));
                } else {
                    // A file it holds was combined, quarantined or deleted meanwhile: its files are read instead.
                    p.drop(part);
                    log.info("a partial of {} profiles folded at submit is not used (a file it holds is gone); the files are read",
                            part.files.size());
                }
            }
            Map<Long, List<Path>> byHour = new TreeMap<>();
            int taken = 0;
            for (StoredFile f : all) {
                if (f.kind() == Kind.RAW && taken < BATCH && !covered.contains(f.path()) && store.isSettled(f)
                        && (p == null || p.unowned(f.path()))) {
                    byHour.computeIfAbsent(floor(f.fromMillis(), HOUR), h -> new ArrayList<>()).add(f.path());
                    taken++;
                }
            }
            Set<Long> hours = new TreeSet<>(byHour.keySet());
            hours.addAll(usable.keySet());
            int folded = 0;
            for (long from : hours) {
                List<Path> inputs = new ArrayList<>(rollupsOf(all, from, from + HOUR));
                int previous = inputs.size();
                inputs.addAll(byHour.getOrDefault(from, List.of()));
                folded += write(from, from + HOUR, inputs, usable.getOrDefault(from, List.of())) - previous;
            }
            foldedProfiles.addAndGet(folded);
            return taken + covered.size();
        } finally {
            for (PartialFolds.Partial part : partials) {
                p.drop(part);
            }
        }
    }

    /** Rolls each finished day's hourly rollups into one; true when it did. */
    private boolean rollDays(List<StoredFile> all) throws IOException, InvalidProfileException, ParallelFold.InputException {
        long settled = store.settledMillis();
        Map<Long, List<Path>> hourliesByDay = new LinkedHashMap<>();
        java.util.Set<Long> daysWithRaw = new java.util.HashSet<>();
        for (StoredFile f : all) {
            long day = floor(f.fromMillis(), DAY);
            if (f.kind() == Kind.RAW) {
                daysWithRaw.add(day);
            } else if (f.kind() == Kind.ROLLUP && f.toMillis() - f.fromMillis() == HOUR) {
                hourliesByDay.computeIfAbsent(day, d -> new ArrayList<>()).add(f.path());
            }
        }
        boolean rolled = false;
        for (Map.Entry<Long, List<Path>> day : hourliesByDay.entrySet()) {
            long from = day.getKey();
            if (from + DAY <= settled && !daysWithRaw.contains(from)) {
                List<Path> inputs = new ArrayList<>(rollupsOf(all, from, from + DAY));
                inputs.addAll(day.getValue());
                write(from, from + DAY, inputs, List.of());
                rolled = true;
            }
        }
        return rolled;
    }

    private static List<Path> rollupsOf(List<StoredFile> all, long from, long to) {
        return all.stream().filter(f -> f.kind() == Kind.ROLLUP && f.fromMillis() == from && f.toMillis() == to)
                .map(StoredFile::path).toList();
    }

    /**
     * Merges {@code inputs} and the raw files the {@code partials} hold (through the partials) into
     * the rollup of [from, to); returns how many files went in.
     */
    private int write(long from, long to, List<Path> inputs, List<PartialFolds.Partial> partials)
            throws IOException, InvalidProfileException, ParallelFold.InputException {
        long start = System.nanoTime();
        // Reading raw files is the work that yields to submits; rollups (and partials) are little and go at once.
        ParallelFold.Source paced = (f, limit) -> {
            if (StoredFile.of(f).kind() == Kind.RAW) {
                yieldToSubmits();
            }
            return store.read(f, limit);
        };
        ProfileMerger merger;
        List<Path> folded;
        // Ends as MergeService.foldStore does: after a failure, files are folded one at a time, and
        // each failure quarantines one file, left out of the next attempt.
        for (int attempt = 1; ; attempt++) {
            ProfileMerger m = new ProfileMerger(true);
            merger = m;
            int group = attempt == 1 ? ParallelFold.SERVER_GROUP : 1;
            ParallelFold.Folder into = p -> {
                foldCheck.add(p);
                m.add(p);
            };
            try {
                folded = ParallelFold.fold(inputs, paced, into, true, quarantine::limitsFor, true, decodePool,
                        decodeThreads * 4 * group, group, quarantine, n -> {});
                break;
            } catch (ParallelFold.FoldBroken e) {
                List<Path> setAside = e.setAside();
                inputs = inputs.stream().filter(f -> !setAside.contains(f)).toList();
            }
        }
        List<Path> viaPartials = new ArrayList<>();
        try {
            for (PartialFolds.Partial part : partials) {
                merger.add(part.merger);
                viaPartials.addAll(part.files);
            }
        } catch (InvalidProfileException | RuntimeException e) {
            // Not expected (a partial holds valid CPU profiles): the whole bucket is read from its files instead.
            log.error("rolling up partials folded at submit failed; reading their files instead", e);
            List<Path> all = new ArrayList<>(inputs);
            partials.forEach(part -> all.addAll(part.files));
            return write(from, to, all, List.of());
        }
        if (folded.isEmpty() && viaPartials.isEmpty()) {
            return 0;
        }
        byte[] bytes = ProfileWriter.write(merger.result());
        List<Path> replaced = new ArrayList<>(folded);
        replaced.addAll(viaPartials);
        Path rollup = store.rollup(from, to, replaced, bytes);
        fromPartials.addAndGet(viaPartials.size());
        fromFiles.addAndGet(folded.stream().filter(f -> StoredFile.of(f).kind() == Kind.RAW).count());
        log.debug("rolled {} files ({} through partials) into {} ({} bytes) in {} ms", replaced.size(), viaPartials.size(),
                rollup.getFileName(), bytes.length, (System.nanoTime() - start) / 1_000_000);
        return replaced.size();
    }

    private void yieldToSubmits() {
        try {
            while (!closing && urgent.get() == 0 && submitsBusy.getAsBoolean() && store.unfoldedCount() < YIELD_BELOW_BACKLOG) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void applyRetention(List<StoredFile> all) throws IOException {
        List<StoredFile> settled = all.stream().filter(this::deletable).toList();
        if (retention != null) {
            long cutoff = clock.getAsLong() - retention.toMillis();
            for (StoredFile f : settled) {
                if (f.newestMillis() < cutoff) {
                    delete(f, "all of it was received before " + Instant.ofEpochMilli(cutoff)
                            + " (PGOF_RETENTION=" + GoDuration.format(retention) + ")");
                }
            }
        }
        if (maxStoreBytes > 0 && store.storedBytes() > maxStoreBytes) {
            // Oldest first, and never the newest file: a store over its limit keeps its latest content.
            List<StoredFile> left = store.list();
            for (StoredFile f : left.subList(0, left.size() - 1)) {
                if (store.storedBytes() <= maxStoreBytes) {
                    break;
                }
                if (deletable(f)) {
                    delete(f, "the store held " + store.storedBytes() + " bytes, more than PGOF_MAX_STORE_BYTES=" + maxStoreBytes);
                }
            }
        }
    }

    /** Retention never touches a file under an unknown name, nor a raw profile that may still be joined by earlier ones. */
    private boolean deletable(StoredFile f) {
        return f.kind() != Kind.UNKNOWN && (f.kind() != Kind.RAW || store.isSettled(f));
    }

    private void delete(StoredFile f, String why) throws IOException {
        store.delete(f);
        deletedFiles.incrementAndGet();
        log.info("retention: deleted {}: {}", f.path().getFileName(), why);
    }

    static long floor(long millis, long size) {
        return Math.floorDiv(millis, size) * size;
    }

    @Override
    public void close() {
        closing = true;
        if (ownsDecodePool) {
            decodePool.shutdownNow();
        }
    }
}
