package dev.pgofleet.store;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.ExcludedFunctions;
import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.pprof.MergedProfile;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.pprof.ProfileForm;
import dev.pgofleet.pprof.ProfileMerger;
import dev.pgofleet.pprof.ProfileWriter;
import dev.pgofleet.report.MainBinary;
import dev.pgofleet.report.StoredInput;
import dev.pgofleet.report.Summary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges of the store. Merges and combines run one at a time on their own thread (never on an
 * event loop), decoding ahead on a small pool. Requests share work: a merge asked for while the
 * store is at generation g reuses any merge started at g or later, running or finished, so N
 * concurrent requests cost one merge and a repeated request with nothing new costs nothing.
 */
public final class MergeService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MergeService.class);

    private final ProfileStore store;
    private final Quarantine quarantine;
    /** Where merges run, one at a time (never on an event loop). */
    private final Executor mergeThread;
    private final Runnable closeMergeThread;
    private final ExecutorService decodePool;
    private final boolean ownsDecodePool;
    private final int decodeThreads;
    /** The latest merge of each form asked for, a few forms at most (requests may name their own excludes). */
    private final Map<ProfileForm, Shared> latest = new LinkedHashMap<>();
    private static final int FORMS_KEPT = 8;
    /** Runs before each fold step; tests make it fail, as no valid stored profile makes a merger's add fail. */
    volatile ParallelFold.Folder foldCheck = p -> {};
    /** Runs as a merge of everything is about to list the store (tests store a profile there). */
    volatile Runnable beforeListing = () -> {};
    private volatile Compactor compactor;
    /** A merge that would read more raw profiles than this has the compactor fold them first. */
    static final int CATCH_UP_ABOVE = 512;

    private Described described; // the latest summary of everything stored, with its form and generation
    private record Shared(long generation, CompletableFuture<MergeResult> result) {}
    private record Described(long generation, ProfileForm form, CompletableFuture<Summary> summary) {}
    /** A merge, and (when asked for) what describes it. */
    private record Computed(MergeResult result, Summary summary) {}

    public MergeService(ProfileStore store, DecodeLimits limits, int decodeThreads) {
        this(store, limits, decodeThreads, null, null, "merge");
    }

    /**
     * One service's merges among many: decoding on {@code sharedDecodePool} and the merge thread's
     * work on {@code sharedMergePool}, one task at a time ({@link SerialExecutor}, pool threads
     * named {@code name} meanwhile), so that services hold no thread of their own. Null pools: a
     * pool and a thread of its own. The caller shuts shared pools down after closing this.
     */
    public MergeService(ProfileStore store, DecodeLimits limits, int decodeThreads, ExecutorService sharedDecodePool,
                        Executor sharedMergePool, String name) {
        this.store = store;
        this.quarantine = new Quarantine(store, limits);
        this.decodeThreads = Math.max(1, decodeThreads);
        if (sharedMergePool == null) {
            ThreadPoolExecutor own = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(16),
                    Threads.named(name), new ThreadPoolExecutor.AbortPolicy());
            this.mergeThread = own;
            this.closeMergeThread = () -> {
                own.shutdown();
                Threads.awaitTermination(own, 30, TimeUnit.SECONDS);
            };
        } else {
            SerialExecutor serial = new SerialExecutor(sharedMergePool, 16, name);
            this.mergeThread = serial;
            this.closeMergeThread = () -> serial.close(30, TimeUnit.SECONDS);
        }
        this.ownsDecodePool = sharedDecodePool == null;
        this.decodePool = ownsDecodePool ? Executors.newFixedThreadPool(this.decodeThreads, Threads.named("merge-decode"))
                : sharedDecodePool;
    }

    /**
     * The merge of the profiles received at or after {@code sinceMillis} (epoch millis), at bucket
     * granularity: a raw profile counts by its receive time, a rollup whole when any of its hour
     * or day is in the window. Results of and_combine hold older data of mixed age and are left
     * out of any window. Not cached.
     */
    public CompletableFuture<MergeResult> mergeSince(ProfileForm form, long sinceMillis) {
        return CompletableFuture.supplyAsync(() -> compute(form, false, sinceMillis, false).result(), mergeThread);
    }

    public CompletableFuture<MergeResult> mergeSince(boolean stripLabels, long sinceMillis) {
        return mergeSince(form(stripLabels), sinceMillis);
    }

    private static ProfileForm form(boolean stripLabels) {
        return stripLabels ? new ProfileForm(false, true, ExcludedFunctions.NONE) : ProfileForm.FULL;
    }

    /** Lets merges have the compactor fold a large backlog first, instead of folding it themselves too. */
    public void useCompactor(Compactor c) {
        this.compactor = c;
    }

    /** The merge of everything stored now (or of a newer state). */
    public synchronized CompletableFuture<MergeResult> merge(ProfileForm form) {
        long generation = store.generation();
        Shared s = latest.get(form);
        if (s != null && s.generation >= generation && !s.result.isCompletedExceptionally()) {
            return s.result;
        }
        CompletableFuture<MergeResult> f = CompletableFuture.supplyAsync(() -> compute(form, false, Long.MIN_VALUE, false).result(), mergeThread);
        remember(form, new Shared(generation, f));
        return f;
    }

    private void remember(ProfileForm form, Shared s) {
        latest.remove(form);
        latest.put(form, s);
        if (latest.size() > FORMS_KEPT) {
            latest.remove(latest.keySet().iterator().next());
        }
    }

    public CompletableFuture<MergeResult> merge(boolean stripLabels) {
        return merge(form(stripLabels));
    }

    /**
     * What the merge of everything stored holds in {@code form} (or, with {@code sinceMillis}, of
     * a window, not cached): shared and cached like {@link #merge}, at the same generation, and the
     * merge it makes on the way is cached for the next merge request. Completes with null while
     * nothing is stored.
     */
    public synchronized CompletableFuture<Summary> summary(ProfileForm form, Long sinceMillis) {
        if (sinceMillis != null) {
            return CompletableFuture.supplyAsync(() -> compute(form, false, sinceMillis, true).summary(), mergeThread);
        }
        long generation = store.generation();
        Described d = described;
        if (d != null && d.form.equals(form) && d.generation >= generation && !d.summary.isCompletedExceptionally()) {
            return d.summary;
        }
        CompletableFuture<Computed> c = CompletableFuture.supplyAsync(() -> compute(form, false, Long.MIN_VALUE, true), mergeThread);
        CompletableFuture<Summary> f = c.thenApply(Computed::summary);
        described = new Described(generation, form, f);
        Shared s = latest.get(form);
        if (s == null || s.generation < generation || s.result.isCompletedExceptionally()) {
            remember(form, new Shared(generation, c.thenApply(Computed::result)));
        }
        return f;
    }

    /** Runs {@code work} on the merge thread (never on an event loop): for figures derived from a summary. */
    public <T> CompletableFuture<T> onMergeThread(Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, mergeThread);
    }

    /**
     * Merges everything stored and replaces it by that merge (and_combine=true). Holds the store's
     * maintenance lock throughout, so no compaction pass rewrites files under it; submits go on.
     */
    public synchronized CompletableFuture<MergeResult> combine(ProfileForm form) {
        return CompletableFuture.supplyAsync(() -> {
            store.maintenanceLock().lock();
            try {
                return compute(form, true, Long.MIN_VALUE, false).result();
            } finally {
                store.maintenanceLock().unlock();
            }
        }, mergeThread);
    }

    public CompletableFuture<MergeResult> combine(boolean stripLabels) {
        return combine(form(stripLabels));
    }

    /** Stored files set aside by merges since start: submitted profiles, and the collector's own files (alarms). */
    public long quarantinedSubmitted() {
        return quarantine.submittedFiles();
    }

    public long quarantinedOwn() {
        return quarantine.ownFiles();
    }

    /** What a fold took, or (cached) the merge already made of exactly those inputs. */
    private record Folded(ProfileMerger merger, List<Path> files, List<StoredInput> inputs, Computed cached, int viaPartials) {}

    /** The latest merge of everything stored, with what was listed for it: a listing equal to it reuses it. */
    private record Listed(ProfileForm form, List<Path> files, Computed computed) {}

    private volatile Listed lastListed;
    /** A store other processes change under a merge: a fold whose inputs changed is made again, this many times at most. */
    static final int RELIST_ATTEMPTS = 20;

    /**
     * Folds the stored files of the window. A file that cannot be read or folded is quarantined
     * and the merge goes on; should folding one fail part-way, the merge starts over without it.
     * <p>This ends, and never fails because of a stored file: the first attempt folds partials of
     * many files; after a failure, every attempt folds one file at a time, so each failure names a
     * single file, which is quarantined and left out of every later attempt of this merge. Each
     * retry thus has one file fewer to fold than the one before, and the files are finite.
     * <p>On a store shared with other processes, an input replaced while it was read (a rollup of
     * another replica deleted it) makes the fold start again from a new listing.
     */
    private Folded foldStore(ProfileForm form, long sinceMillis, boolean combine, boolean describe, PartialFolds early) {
        Set<Path> setAside = new HashSet<>();
        int relisted = 0;
        // Every profile accepted before this merge began is in it, with no wait for the fold
        // threads: a profile whose fold is still queued is folded from its decoded copy in the
        // queue. One not yet accepted (its submit began later, or it was still being made durable)
        // is left out unless a partial copy the merge uses holds it; the next merge holds it.
        RawNames.Mark mark = early == null ? null : store.names().mark(); // before the copies: see PartialFolds#copies
        Predicate<Path> later = early == null ? p -> false : p -> store.names().notAcceptedAt(StoredFile.of(p), mark);
        for (int attempt = 1; ; attempt++) {
            ProfileMerger merger = new ProfileMerger(true);
            int group = attempt == 1 ? ParallelFold.SERVER_GROUP : 1;
            PartialFolds.Copies copies = copies(early); // before the listing: see PartialFolds#copies
            ParallelFold.Source source = ((ParallelFold.Source) store::read).holding(copies::queued);
            beforeListing.run();
            store.readLock().lock();
            try {
                // Files still being made durable are left out: such a file may be taken back out (its client told to retry).
                List<Path> files = store.list().stream().filter(f -> inWindow(f, sinceMillis) && !store.isPending(f))
                        .map(StoredFile::path).filter(p -> !setAside.contains(p)).toList();
                Listed last = lastListed;
                if (!combine && sinceMillis == Long.MIN_VALUE && last != null && last.form.equals(form) && last.files.equals(files)
                        && (!describe || last.computed.summary() != null)) {
                    return new Folded(null, files, List.of(), last.computed, 0);
                }
                Covered covered = Covered.of(copies.partials(), files);
                ParallelFold.Folder into = p -> {
                    foldCheck.add(p);
                    merger.add(p);
                };
                List<Path> folded = ParallelFold.fold(covered.toRead(files, later), source, into, true, quarantine::limitsFor, true,
                        decodePool, decodeThreads * 4 * group, group, quarantine, n -> {});
                for (PartialFolds.Snapshot s : covered.used()) {
                    merger.add(s.profile());
                }
                List<StoredInput> inputs = new ArrayList<>();
                if (describe) {
                    for (Path p : folded) {
                        inputs.add(input(p));
                    }
                }
                return new Folded(merger, covered.withCovered(files, folded), inputs, null, covered.files().size());
            } catch (StorageException e) {
                throw new CompletionException(e); // the storage service is unreachable: 503, nothing changed
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (ParallelFold.InputException | InvalidProfileException e) {
                // The quarantine never throws; a summary reads again what the fold just read within its limits.
                throw new IllegalStateException("merge failed: " + e.getMessage(), e);
            } catch (ParallelFold.FoldBroken e) {
                setAside.addAll(e.setAside());
            } catch (ParallelFold.Vanished e) {
                if (++relisted >= RELIST_ATTEMPTS) {
                    throw new CompletionException(new StorageException("the store kept changing during the merge: " + e.getMessage(), e));
                }
                log.debug("listing again: {}", e.getMessage());
            } catch (ParallelFold.SourceFailed e) {
                throw new CompletionException(new StorageException("cannot read the store: " + e.getMessage(), e));
            } finally {
                store.readLock().unlock();
            }
        }
    }

    /** Copies of what was folded or queued at submit; none when there are none, or copying failed (the files are read). */
    private static PartialFolds.Copies copies(PartialFolds early) {
        if (early == null) {
            return PartialFolds.Copies.NONE;
        }
        try {
            return early.copies();
        } catch (InvalidProfileException | RuntimeException e) {
            log.warn("merging without the partials folded at submit (their files are read): {}", IoReason.describe(e));
            return PartialFolds.Copies.NONE;
        }
    }

    /** Raw files a merge reads rather than use the partials folded at submit that hold them. */
    static final int READ_UP_TO = Compactor.CATCH_UP_WITH_PARTIALS;

    /** The snapshots a merge uses instead of reading their files: those whose files are all listed (past a few). */
    private record Covered(List<PartialFolds.Snapshot> used, Set<Path> files) {
        static Covered of(List<PartialFolds.Snapshot> snapshots, List<Path> listed) {
            if (snapshots.isEmpty()) {
                return new Covered(List.of(), Set.of());
            }
            Set<Path> all = new HashSet<>(listed), covered = new HashSet<>();
            List<PartialFolds.Snapshot> used = new ArrayList<>();
            for (PartialFolds.Snapshot s : snapshots) {
                if (all.containsAll(s.files())) {
                    used.add(s);
                    covered.addAll(s.files());
                }
            }
            // A few files are read: a merge of raw files only is then Go's merge byte for byte.
            return covered.size() > READ_UP_TO ? new Covered(used, covered) : new Covered(List.of(), Set.of());
        }

        /** The listed files to read: those no snapshot holds that are not {@code later}. */
        List<Path> toRead(List<Path> listed, Predicate<Path> later) {
            return listed.stream().filter(f -> !files.contains(f) && !later.test(f)).toList();
        }

        /** What the merge holds, in listing order: the files folded and those the snapshots stand for. */
        List<Path> withCovered(List<Path> listed, List<Path> folded) {
            if (files.isEmpty()) {
                return folded;
            }
            Set<Path> in = new HashSet<>(folded);
            return listed.stream().filter(f -> in.contains(f) || files.contains(f)).toList();
        }
    }

    /** Merges, stores the full merge when combining, and answers in {@code form}. */
    private Computed compute(ProfileForm form, boolean combine, long sinceMillis, boolean describe) {
        long start = System.nanoTime();
        Compactor c = compactor;
        // A merge of everything uses the partials folded at submit as they stand, so it needs a
        // compaction pass first only when many raw files have no partial (after a restart, say).
        PartialFolds early = c == null || combine || describe || sinceMillis != Long.MIN_VALUE ? null : c.partials();
        long waiting = store.unfoldedCount();
        if (c != null && (early != null ? waiting - early.owned() > CATCH_UP_ABOVE : c.worthCatchingUp(waiting))) {
            try {
                c.catchUp();
            } catch (Exception e) {
                log.warn("compaction before a merge failed, merging the raw profiles instead: {}", IoReason.describe(e));
            }
        }
        Folded f = foldStore(form, sinceMillis, combine, describe, early);
        if (f.cached() != null) {
            return f.cached();
        }
        List<Path> folded = f.files();
        ProfileMerger merger = f.merger();
        try {
            if (folded.isEmpty()) {
                return new Computed(MergeResult.EMPTY, null);
            }
            MergedProfile merged = merger.result();
            byte[] full = ProfileWriter.write(merged);
            if (combine && folded.size() > 1) {
                store.combine(folded, full);
            }
            MergedProfile out = form.apply(merged);
            byte[] body = form.isFull() ? full : ProfileWriter.write(out);
            log.info("{} {} files{}: {} samples, {} bytes in {} ms", combine ? "combined" : "merged", folded.size(),
                    f.viaPartials() > 0 ? " (" + f.viaPartials() + " through partials folded at submit)" : "",
                    out.samples().size(), body.length, (System.nanoTime() - start) / 1_000_000);
            long profiles = StoredFile.profiles(folded.stream().map(StoredFile::of).toList());
            MergeResult result = new MergeResult(body, sha256Hex(body), profiles, out.samples().size(), full.length);
            Computed computed = new Computed(result, describe ? new Summary(out, f.inputs(), body.length) : null);
            if (!combine && sinceMillis == Long.MIN_VALUE) {
                lastListed = new Listed(form, folded, computed);
            }
            return computed;
        } catch (StorageException e) {
            // The combine's file could not be written (full disk): nothing changed, the client may retry (503).
            throw new CompletionException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InvalidProfileException e) {
            throw new IllegalStateException("merge failed: " + e.getMessage(), e);
        }
    }

    /** A folded file as the summary counts it; read while the merge holds the store's read lock. */
    private StoredInput input(Path p) throws IOException, InvalidProfileException {
        StoredFile f = StoredFile.of(p);
        DecodeLimits limits = quarantine.limitsFor(p);
        byte[] bytes = store.read(p, limits.maxCompressedBytes());
        boolean undated = f.kind() == StoredFile.Kind.COMBINED || f.kind() == StoredFile.Kind.UNKNOWN;
        long first = undated || f.fromMillis() <= 0 ? -1 : f.fromMillis();
        long last = undated ? -1 : f.newestMillis();
        List<MainBinary> binaries = MainBinary.in(bytes, limits);
        return new StoredInput(f.profiles(), bytes.length, first, last, binaries);
    }

    private static boolean inWindow(StoredFile f, long sinceMillis) {
        return sinceMillis == Long.MIN_VALUE || f.kind() != StoredFile.Kind.COMBINED && f.newestMillis() >= sinceMillis;
    }

    public static String sha256Hex(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        closeMergeThread.run();
        if (ownsDecodePool) {
            decodePool.shutdownNow();
        }
    }
}
