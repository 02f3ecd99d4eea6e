package dev.pgofleet.store;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.pprof.MergedProfile;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.pprof.ProfileMerger;
import dev.pgofleet.pprof.ProfileWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
    private final DecodeLimits limits;
    private final ThreadPoolExecutor mergeThread;
    private final ExecutorService decodePool;
    private final int decodeThreads;
    private final Shared[] latest = new Shared[2]; // by strip_labels
    private volatile Compactor compactor;
    /** A merge that would read more raw profiles than this has the compactor fold them first. */
    static final int CATCH_UP_ABOVE = 512;

    private record Shared(long generation, CompletableFuture<MergeResult> result) {}

    public MergeService(ProfileStore store, DecodeLimits limits, int decodeThreads) {
        this.store = store;
        this.limits = limits;
        this.decodeThreads = Math.max(1, decodeThreads);
        this.mergeThread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(16),
                Threads.named("merge"), new ThreadPoolExecutor.AbortPolicy());
        this.decodePool = Executors.newFixedThreadPool(this.decodeThreads, Threads.named("merge-decode"));
    }

    /**
     * The merge of the profiles received at or after {@code sinceMillis} (epoch millis), at bucket
     * granularity: a raw profile counts by its receive time, a rollup whole when any of its hour
     * or day is in the window. Results of and_combine hold older data of mixed age and are left
     * out of any window. Not cached.
     */
    public CompletableFuture<MergeResult> mergeSince(boolean stripLabels, long sinceMillis) {
        return CompletableFuture.supplyAsync(() -> compute(stripLabels, false, sinceMillis), mergeThread);
    }

    /** Lets merges have the compactor fold a large backlog first, instead of folding it themselves too. */
    public void useCompactor(Compactor c) {
        this.compactor = c;
    }

    /** The merge of everything stored now (or of a newer state). */
    public synchronized CompletableFuture<MergeResult> merge(boolean stripLabels) {
        long generation = store.generation();
        Shared s = latest[stripLabels ? 1 : 0];
        if (s != null && s.generation >= generation && !s.result.isCompletedExceptionally()) {
            return s.result;
        }
        CompletableFuture<MergeResult> f = CompletableFuture.supplyAsync(() -> compute(stripLabels, false, Long.MIN_VALUE), mergeThread);
        latest[stripLabels ? 1 : 0] = new Shared(generation, f);
        return f;
    }

    /**
     * Merges everything stored and replaces it by that merge (and_combine=true). Holds the store's
     * maintenance lock throughout, so no compaction pass rewrites files under it; submits go on.
     */
    public synchronized CompletableFuture<MergeResult> combine(boolean stripLabels) {
        return CompletableFuture.supplyAsync(() -> {
            store.maintenanceLock().lock();
            try {
                return compute(stripLabels, true, Long.MIN_VALUE);
            } finally {
                store.maintenanceLock().unlock();
            }
        }, mergeThread);
    }

    private MergeResult compute(boolean stripLabels, boolean combine, long sinceMillis) {
        long start = System.nanoTime();
        List<Path> folded;
        ProfileMerger merger = new ProfileMerger(true);
        Compactor c = compactor;
        if (c != null && store.unfoldedCount() > CATCH_UP_ABOVE) {
            try {
                c.catchUp();
            } catch (Exception e) {
                log.warn("compaction before a merge failed, merging the raw profiles instead: {}", e.toString());
            }
        }
        store.readLock().lock();
        try {
            List<Path> files = store.list().stream().filter(f -> inWindow(f, sinceMillis)).map(StoredFile::path).toList();
            folded = ParallelFold.fold(files, merger, limits, true, decodePool, decodeThreads * 4 * ParallelFold.SERVER_GROUP,
                    ParallelFold.SERVER_GROUP, store::quarantine, n -> {});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ParallelFold.InputException e) {
            throw new IllegalStateException("merge failed: " + e.getMessage(), e);
        } finally {
            store.readLock().unlock();
        }
        try {
            if (folded.isEmpty()) {
                return MergeResult.EMPTY;
            }
            MergedProfile merged = merger.result();
            byte[] full = ProfileWriter.write(merged);
            if (combine && folded.size() > 1) {
                store.combine(folded, full);
            }
            MergedProfile out = stripLabels ? merged.withoutLabels() : merged;
            byte[] body = stripLabels ? ProfileWriter.write(out) : full;
            log.info("{} {} files: {} samples, {} bytes in {} ms", combine ? "combined" : "merged", folded.size(),
                    out.samples().size(), body.length, (System.nanoTime() - start) / 1_000_000);
            long profiles = StoredFile.profiles(folded.stream().map(StoredFile::of).toList());
            return new MergeResult(body, sha256Hex(body), profiles, out.samples().size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InvalidProfileException e) {
            throw new IllegalStateException("merge failed: " + e.getMessage(), e);
        }
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
        mergeThread.shutdown();
        Threads.awaitTermination(mergeThread, 30, TimeUnit.SECONDS);
        decodePool.shutdownNow();
    }
}
