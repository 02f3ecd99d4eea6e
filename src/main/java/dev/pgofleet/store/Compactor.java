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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds raw profiles into rollups in the background, so that a merge reads a handful of rollups
 * plus the few profiles stored since the last pass. Raw profiles go into their hour's rollup
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
    private final ScheduledExecutorService timer;
    private long lastPass = System.nanoTime(); // timer thread only
    private final AtomicLong foldedProfiles = new AtomicLong(), deletedFiles = new AtomicLong();
    /** Runs before each fold step; tests make it fail, as no valid stored profile makes a merger's add fail. */
    volatile ParallelFold.Folder foldCheck = p -> {};

    /**
     * {@code submitsBusy} says when submits want every core: compaction then waits between groups
     * of inputs (while fewer than {@link #YIELD_BELOW_BACKLOG} profiles wait), so a burst is
     * taken at full rate and folded once it is over.
     */
    public Compactor(ProfileStore store, DecodeLimits limits, Duration retention, long maxStoreBytes, int decodeThreads,
                     LongSupplier clock, BooleanSupplier submitsBusy) {
        this.submitsBusy = submitsBusy;
        this.store = store;
        this.quarantine = new Quarantine(store, limits);
        this.retention = retention;
        this.maxStoreBytes = maxStoreBytes;
        this.clock = clock;
        this.decodeThreads = Math.max(1, decodeThreads);
        this.decodePool = Executors.newFixedThreadPool(this.decodeThreads, Threads.named("compact-decode"));
        this.timer = Executors.newSingleThreadScheduledExecutor(Threads.named("compactor"));
    }

    /**
     * Runs a pass every {@code interval}, and sooner once {@link #EAGER_BACKLOG} raw profiles wait,
     * so a burst is folded while it arrives. Passes never overlap.
     */
    public Compactor start(Duration interval) {
        long ms = Math.max(1, interval.toMillis());
        long tick = Math.min(ms, 250);
        timer.scheduleWithFixedDelay(() -> {
            long now = System.nanoTime();
            if (now - lastPass >= ms * 1_000_000 || store.unfoldedCount() >= EAGER_BACKLOG) {
                runQuietly();
                lastPass = System.nanoTime();
            }
        }, tick, tick, TimeUnit.MILLISECONDS);
        return this;
    }

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
            for (long passes = store.unfoldedCount() / BATCH + 1; passes > 0 && runOnce() == BATCH; passes--) {
                // one bounded batch at a time
            }
        } finally {
            urgent.decrementAndGet();
        }
    }

    private void runQuietly() {
        try {
            while (runOnce() == BATCH && !closing) {
                // a backlog: keep going, one bounded batch at a time, until shutdown
            }
        } catch (Exception | OutOfMemoryError e) {
            log.error("compaction pass failed (what it committed stays; the next pass retries the rest): {}", e.toString());
        }
    }

    /**
     * One pass: fold settled raw profiles (at most {@link #BATCH}), roll finished days, apply
     * retention. Returns how many raw profiles it took (folded, or quarantined if unreadable).
     */
    public int runOnce() throws IOException, InvalidProfileException, ParallelFold.InputException {
        store.maintenanceLock().lock();
        try {
            long start = System.nanoTime();
            int taken = foldRaw(store.list());
            if (taken > 0) {
                log.info("compacted {} profiles in {} ms; {} wait", taken, (System.nanoTime() - start) / 1_000_000,
                        store.unfoldedCount());
            }
            rollDays(store.list());
            applyRetention(store.list());
            return taken;
        } finally {
            store.maintenanceLock().unlock();
        }
    }

    private int foldRaw(List<StoredFile> all) throws IOException, InvalidProfileException, ParallelFold.InputException {
        Map<Long, List<Path>> byHour = new LinkedHashMap<>();
        int taken = 0;
        for (StoredFile f : all) {
            if (f.kind() == Kind.RAW && store.isSettled(f) && taken < BATCH) {
                byHour.computeIfAbsent(floor(f.fromMillis(), HOUR), h -> new ArrayList<>()).add(f.path());
                taken++;
            }
        }
        int folded = 0;
        for (Map.Entry<Long, List<Path>> bucket : byHour.entrySet()) {
            long from = bucket.getKey();
            List<Path> inputs = new ArrayList<>(rollupsOf(all, from, from + HOUR));
            int previous = inputs.size();
            inputs.addAll(bucket.getValue());
            folded += write(from, from + HOUR, inputs) - previous;
        }
        foldedProfiles.addAndGet(folded);
        return taken;
    }

    private void rollDays(List<StoredFile> all) throws IOException, InvalidProfileException, ParallelFold.InputException {
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
        for (Map.Entry<Long, List<Path>> day : hourliesByDay.entrySet()) {
            long from = day.getKey();
            if (from + DAY <= settled && !daysWithRaw.contains(from)) {
                List<Path> inputs = new ArrayList<>(rollupsOf(all, from, from + DAY));
                inputs.addAll(day.getValue());
                write(from, from + DAY, inputs);
            }
        }
    }

    private static List<Path> rollupsOf(List<StoredFile> all, long from, long to) {
        return all.stream().filter(f -> f.kind() == Kind.ROLLUP && f.fromMillis() == from && f.toMillis() == to)
                .map(StoredFile::path).toList();
    }

    /** Merges {@code inputs} into the rollup of [from, to); returns how many inputs went in. */
    private int write(long from, long to, List<Path> inputs) throws IOException, InvalidProfileException, ParallelFold.InputException {
        long start = System.nanoTime();
        Executor paced = task -> decodePool.execute(() -> {
            yieldToSubmits();
            task.run();
        });
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
                folded = ParallelFold.fold(inputs, store::read, into, true, quarantine::limitsFor, true, paced,
                        decodeThreads * 4 * group, group, quarantine, n -> {});
                break;
            } catch (ParallelFold.FoldBroken e) {
                List<Path> setAside = e.setAside();
                inputs = inputs.stream().filter(f -> !setAside.contains(f)).toList();
            }
        }
        if (folded.isEmpty()) {
            return 0;
        }
        byte[] bytes = ProfileWriter.write(merger.result());
        Path rollup = store.rollup(from, to, folded, bytes);
        log.debug("rolled {} files into {} ({} bytes) in {} ms", folded.size(), rollup.getFileName(), bytes.length,
                (System.nanoTime() - start) / 1_000_000);
        return folded.size();
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
        timer.shutdown();
        Threads.awaitTermination(timer, 30, TimeUnit.SECONDS);
        decodePool.shutdownNow();
    }
}
