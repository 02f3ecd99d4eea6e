package dev.pgofleet.store;

import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.pprof.ProfileMerger;
import dev.pgofleet.pprof.ValidProfile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each accepted profile decoded once: the profile the submit check decoded is folded, once its raw
 * file is durable, into a partial merge of its hour held in memory (one per fold thread and hour),
 * and the {@link Compactor} rolls the partials up instead of reading their raw files again.
 *
 * <p>The raw file stays the durable record; a partial is only a shortcut for files that exist.
 * Every raw file has one owner at a time, kept here: none (the compactor reads the file), "fold
 * pending" (registered by the store once the file is durable, before it counts as settled), or the
 * partial that holds it. A pass detaches every partial first, then lists the store, uses a partial
 * only if every file it holds is still listed (a combine, retention or quarantine that took one
 * makes the partial useless: it is dropped and its files are read) and reads from disk only files
 * with no owner, so no profile is counted twice or missed. Anything that goes wrong here (a full
 * queue, the memory budget, a fold failing) leaves a file with no owner: it is read as before.
 * After a restart nothing is owned.
 *
 * <p>Only profiles that merge associatively are folded early ({@link ParallelFold#associative}: Go
 * CPU profiles always do), so a rollup holds the same samples, values and header sums as folding
 * its files in arrival order; its numbering and order may differ.
 *
 * <p>Memory: decoded profiles waiting for their fold and the partials together stay under a
 * budget; past it, profiles are not folded early.
 */
public final class PartialFolds implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PartialFolds.class);
    /** Heap a merged sample, location or function takes, with its map entries: what the budget counts. */
    static final long BYTES_PER_ENTRY = 320;

    /** A partial merge of one hour's profiles, made on one fold thread. */
    static final class Partial {
        final long hour;
        final ProfileMerger merger = new ProfileMerger(true);
        /** The raw files folded in (as the store lists them), in fold order. */
        final List<Path> files = new ArrayList<>();
        long bytes;

        Partial(long hour) {
            this.hour = hour;
        }
    }

    /** The owner of a raw file whose fold is queued: the file is durable, its partial not yet known. */
    private static final Partial PENDING = new Partial(Long.MIN_VALUE);

    private final ConcurrentHashMap<String, Partial> owners = new ConcurrentHashMap<>();
    /** The decoded profiles of durable raw files whose fold is queued, by file name: a merge folds them from here. */
    private final ConcurrentHashMap<String, ValidProfile> queued = new ConcurrentHashMap<>();
    /** Partials a compaction pass took and has not dropped yet: merges may still use them. */
    private final Set<Partial> detached = ConcurrentHashMap.newKeySet();
    private final List<Map<Long, Partial>> stripes = new ArrayList<>();
    private final AtomicInteger nextStripe = new AtomicInteger();
    private final ThreadLocal<Map<Long, Partial>> stripe;
    private final Shared shared;
    private final boolean ownsShared;
    private final ThreadPoolExecutor pool;
    private final AtomicLong heldBytes;
    private final AtomicLong folded = new AtomicLong(), notFolded = new AtomicLong();
    private final AtomicInteger unresolved = new AtomicInteger();
    private volatile boolean closed;

    /** The fold threads and the memory budget that the partials of every service share. */
    public static final class Shared implements AutoCloseable {
        final ThreadPoolExecutor pool;
        final long budgetBytes;
        final AtomicLong heldBytes = new AtomicLong();

        /** {@code threads} fold threads with a queue of {@code queue} profiles; at most {@code budgetBytes} held. */
        public Shared(int threads, int queue, long budgetBytes) {
            int n = Math.max(1, threads);
            this.budgetBytes = budgetBytes;
            this.pool = new ThreadPoolExecutor(n, n, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(Math.max(1, queue)),
                    Threads.named("fold"), new ThreadPoolExecutor.AbortPolicy());
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }

    /** Partials with fold threads and a budget of their own (one store). */
    public PartialFolds(int threads, int queue, long budgetBytes) {
        this(new Shared(threads, queue, budgetBytes), true);
    }

    /** One service's partials, on the threads and budget of {@code shared}. */
    public PartialFolds(Shared shared) {
        this(shared, false);
    }

    private PartialFolds(Shared shared, boolean ownsShared) {
        this.shared = shared;
        this.ownsShared = ownsShared;
        this.pool = shared.pool;
        this.heldBytes = shared.heldBytes;
        int n = pool.getMaximumPoolSize();
        for (int i = 0; i < n; i++) {
            stripes.add(new HashMap<>());
        }
        this.stripe = ThreadLocal.withInitial(() -> stripes.get(Math.floorMod(nextStripe.getAndIncrement(), n)));
    }

    /**
     * Stores {@code body} as {@link ProfileStore#store(byte[])} does, and once it is durable folds
     * {@code decoded} (its validated profile) into its hour's partial, after the future completed.
     */
    public CompletableFuture<Path> store(ProfileStore store, byte[] body, ValidProfile decoded) {
        long bytes = decoded.retainedBytes();
        if (closed || !ParallelFold.associative(decoded) || !reserve(bytes)) {
            notFolded.incrementAndGet();
            return store.store(body);
        }
        unresolved.incrementAndGet();
        CompletableFuture<Path> stored;
        try {
            stored = store.store(body, raw -> durable(raw, decoded));
        } catch (RuntimeException e) {
            resolved(bytes);
            throw e;
        }
        stored.whenComplete((path, error) -> {
            if (error != null) {
                resolved(bytes);
                return;
            }
            try {
                pool.execute(() -> {
                    try {
                        fold(path, decoded);
                    } finally {
                        resolved(bytes);
                    }
                });
            } catch (RejectedExecutionException e) {
                owners.remove(name(path), PENDING);
                queued.remove(name(path));
                notFolded.incrementAndGet();
                resolved(bytes);
            }
        });
        return stored;
    }

    private boolean reserve(long bytes) {
        if (heldBytes.addAndGet(bytes) <= shared.budgetBytes) {
            return true;
        }
        heldBytes.addAndGet(-bytes);
        return false;
    }

    private void resolved(long bytes) {
        heldBytes.addAndGet(-bytes);
        unresolved.decrementAndGet();
    }

    /** Records that a raw file is durable and its fold to come: from now on the compactor leaves it to its partial. */
    void durable(Path raw, ValidProfile decoded) {
        owners.put(name(raw), PENDING);
        queued.put(name(raw), decoded);
    }

    /** Folds queued and not yet made. */
    int foldsQueued() {
        return queued.size();
    }

    /** Folds one durable raw file's profile into this thread's partial of its hour (or leaves it to its file). */
    void fold(Path raw, ValidProfile p) {
        try {
            foldInto(raw, Compactor.floor(StoredFile.of(raw).fromMillis(), Compactor.HOUR), p);
        } finally {
            queued.remove(name(raw));
        }
    }

    private void foldInto(Path raw, long hour, ValidProfile p) {
        String name = name(raw);
        Map<Long, Partial> open = stripe.get();
        synchronized (open) {
            Partial part = open.computeIfAbsent(hour, Partial::new);
            if (closed || !owners.replace(name, PENDING, part)) {
                notFolded.incrementAndGet();
                return;
            }
            int before = part.merger.size();
            try {
                part.merger.add(p);
            } catch (InvalidProfileException e) {
                // Refused whole (the merge is as it was): the compactor reads this file and decides.
                owners.remove(name, part);
                notFolded.incrementAndGet();
                return;
            } catch (RuntimeException e) {
                // Part-way: the partial may hold part of it, so all of the partial's files are read instead.
                log.error("folding {} at submit failed; its hour's partial is dropped, its files are read at compaction", name, e);
                open.remove(hour);
                owners.remove(name, part);
                drop(part);
                heldBytes.addAndGet(-part.bytes);
                return;
            }
            part.files.add(raw);
            long grown = (part.merger.size() - before) * BYTES_PER_ENTRY;
            part.bytes += grown;
            heldBytes.addAndGet(grown);
            folded.incrementAndGet();
        }
    }

    /**
     * Takes every partial, for a compaction pass, ordered by hour and first file. Called before
     * the pass lists the store, so every file a partial holds was stored before that listing.
     */
    List<Partial> detachAll() {
        List<Partial> all = new ArrayList<>();
        for (Map<Long, Partial> open : stripes) {
            synchronized (open) {
                detached.addAll(open.values());
                all.addAll(open.values());
                open.clear();
            }
        }
        for (Partial p : all) {
            heldBytes.addAndGet(-p.bytes);
        }
        all.removeIf(p -> p.files.isEmpty());
        all.sort(Comparator.comparingLong((Partial p) -> p.hour).thenComparing(p -> name(p.files.get(0))));
        return all;
    }

    /** A copy of a partial as it stood, for a merge (the partial itself goes on growing). */
    record Snapshot(long hour, List<Path> files, ValidProfile profile) {}

    /** What a merge uses instead of reading raw files: the profiles whose fold was queued, and copies of the partials. */
    record Copies(Map<String, ValidProfile> queue, List<Snapshot> partials) {
        static final Copies NONE = new Copies(Map.of(), List.of());

        /**
         * The decoded profile of a raw file whose fold was queued when these copies were made, or
         * null. A merge folds it from here rather than wait for the fold threads or read the file:
         * it is the profile the submit check decoded from the file's bytes.
         */
        ValidProfile queued(Path raw) {
            return queue.get(name(raw));
        }
    }

    /**
     * The queued profiles, then copies of the partials ({@link #snapshot}), for a merge that took
     * its mark ({@link RawNames#mark}) before. A profile folded at submit and accepted at the mark
     * was queued before its name was done, so it is in the queued copy or, folded in between, in a
     * partial copied after: the merge reads none of their files (unless a partial copy goes unused).
     */
    Copies copies() throws InvalidProfileException {
        Map<String, ValidProfile> q = Map.copyOf(queued);
        return new Copies(q, snapshot());
    }

    /**
     * Copies of the partials as they stand, ordered as {@link #detachAll} orders them. Taken
     * before a merge lists the store: a merge uses one only if every file it holds is listed
     * (none was rolled up, combined or quarantined meanwhile), instead of reading those files.
     */
    List<Snapshot> snapshot() throws InvalidProfileException {
        List<Snapshot> all = new ArrayList<>();
        // A pass may detach a partial copied here before the loop over detached ones reaches it: one copy each.
        Set<Partial> copied = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Map<Long, Partial> open : stripes) {
            synchronized (open) {
                for (Partial p : open.values()) {
                    copied.add(p);
                    copy(p, all);
                }
            }
        }
        afterOpenCopies.run();
        // Taken by a pass that has not committed (its files still listed) or dropped them yet; no longer folded into.
        for (Partial p : detached) {
            if (copied.add(p)) {
                copy(p, all);
            }
        }
        all.sort(Comparator.comparingLong(Snapshot::hour).thenComparing(p -> name(p.files().get(0))));
        return all;
    }

    /** Runs between copying the open partials and the detached ones (tests detach partials there). */
    volatile Runnable afterOpenCopies = () -> {};

    private static void copy(Partial p, List<Snapshot> into) throws InvalidProfileException {
        if (!p.files.isEmpty()) {
            into.add(new Snapshot(p.hour, List.copyOf(p.files), p.merger.copy()));
        }
    }

    /** Raw files owned here (their fold queued, or held by a partial): a merge need not read them. */
    long owned() {
        return owners.mappingCount();
    }

    /** Whether nothing here owns the raw file: its profile can only reach a rollup by reading the file. */
    boolean unowned(Path raw) {
        return !owners.containsKey(name(raw));
    }

    /** Ends a detached partial: its files are owned by nobody from now on (rolled up, or to be read). */
    void drop(Partial part) {
        detached.remove(part);
        for (Path f : part.files) {
            owners.remove(name(f), part);
        }
    }

    private static String name(Path p) {
        return p.getFileName().toString();
    }

    /** Profiles folded at submit since start, and those left to be read from their file. */
    public long foldedAtSubmit() {
        return folded.get();
    }

    public long notFolded() {
        return notFolded.get();
    }

    /** Accepted profiles whose fold is not yet decided (tests wait for zero). */
    int unresolved() {
        return unresolved.get();
    }

    long heldBytes() {
        return heldBytes.get();
    }

    /** Stops folding; whatever is not rolled up yet is read from its file (after a restart too). */
    @Override
    public void close() {
        closed = true;
        if (ownsShared) {
            shared.close();
        }
    }
}
