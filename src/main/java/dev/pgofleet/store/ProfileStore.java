package dev.pgofleet.store;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.InvalidProfileException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Lock;

/**
 * Where accepted profiles are kept: what the submit path, merges, the compactor and the metrics
 * need of a storage backend. {@link DiskStore} keeps them in one local directory; its helpers
 * each hold one concern ({@link RawNames}, {@link DurableFiles}, {@link ReplacementJournal},
 * {@link StoreScan}, {@link StoreCounters}, {@link StoreLock}, {@link StoreAccess},
 * {@link OriginalTakeover}). Stored files are named as {@link StoredFile} describes, so that
 * their names sort in arrival order of their content.
 *
 * <p>A stored item is identified by a {@link Path} whose file name is the item's name: for
 * {@link DiskStore} the file itself; for a remote store (the S3 store) a name only, never a local
 * file. Items are read through {@link #read}, never with {@link java.nio.file.Files}.
 *
 * <p>Guarantees every backend gives: a {@link #store} that completes normally means the profile
 * is durable and counted exactly once in every later merge; one that fails means nothing was
 * stored. A replacement ({@link #combine}, {@link #rollup}) either happens whole or not at all.
 */
public interface ProfileStore extends AutoCloseable {
    String TEMP_PREFIX = ".tmp-";
    String JOURNAL = ReplacementJournal.NAME;
    String QUARANTINE = "quarantine";
    /** The directory of the other services' stores, one directory each, next to the default service's files. */
    String SERVICES = "services";

    /** The local store in {@code dir} (created if missing), for one process at a time; see {@link DiskStore}. */
    static ProfileStore open(Path dir, int ioThreads, int ioQueue) throws IOException {
        return open(dir, ioThreads, ioQueue, DecodeLimits.DEFAULT);
    }

    /**
     * Opens the local store: creates it if needed, refuses a directory this process cannot write
     * or that another collector holds, finishes any interrupted replacement, takes over the
     * original collector's files (validated with {@code limits}) and logs any other unknown file once.
     */
    static ProfileStore open(Path dir, int ioThreads, int ioQueue, DecodeLimits limits) throws IOException {
        return DiskStore.open(dir, ioThreads, ioQueue, limits, DirectorySync.REAL);
    }

    /** Where the profiles are kept, for log lines: a directory or an {@code s3://} address. */
    String location();

    // --- the submit path

    /** Stores the bytes durably; fails with {@link StorageException} (nothing kept) or {@link java.util.concurrent.RejectedExecutionException}. */
    default CompletableFuture<Path> store(byte[] bytes) {
        return store(bytes, p -> {});
    }

    /**
     * As {@link #store(byte[])}; {@code onDurable} runs once the file is durable, only then, and
     * before the file counts as settled ({@link #isSettled}) and the future completes, so the
     * compactor sees whatever it records (see {@link PartialFolds}). It must be quick.
     */
    CompletableFuture<Path> store(byte[] bytes, java.util.function.Consumer<Path> onDurable);

    /**
     * Completes when a profile could be stored now (readiness); fails when not, with a
     * {@link StorageException} that names the store and says why in words.
     */
    CompletableFuture<Void> checkWritable();

    // --- what is stored

    /**
     * Changes whenever the set of stored profiles changes, and when a stored profile becomes
     * durable (merges leave out those still being made durable): a merge made at generation g is
     * current while it stays g.
     */
    long generation();

    /**
     * The bytes of an item this store listed, at most {@code limit} (above: refused). Throws
     * {@link dev.pgofleet.pprof.ParallelFold.Vanished} when another process removed it since.
     */
    byte[] read(Path item, long limit) throws IOException, InvalidProfileException;

    /** Stored files, oldest content first. */
    List<Path> snapshot() throws IOException;

    /** {@link #snapshot()} with what each name says. */
    List<StoredFile> list() throws IOException;

    /**
     * {@link #list()} after looking at the storage itself for changes made by others (files placed
     * or removed by hand), where a listing does not already. Called by each compaction pass.
     */
    default List<StoredFile> rescan() throws IOException {
        return list();
    }

    /** Every raw profile stored from now on will have a receive time at or after this. */
    long settledMillis();

    /** Whether a raw file is complete and no raw file sorting before it can still appear. */
    boolean isSettled(StoredFile raw);

    /** Whether a raw file is still being made durable (it may yet be taken back out). */
    boolean isPending(StoredFile f);

    /** The names this process gives raw submits, and which are still being written. */
    RawNames names();

    // --- changes: readers hold readLock from listing to their last read; rewrites hold maintenanceLock throughout

    Lock readLock();

    Lock maintenanceLock();

    /**
     * Sets aside a stored file that no longer parses, so that merges go on without it; false when
     * the file was already gone (another reader set it aside first, or it was removed by hand).
     */
    boolean quarantine(Path file, String reason);

    /**
     * Replaces {@code inputs} (everything stored when the merge began) by their merge (and_combine);
     * null when this process leaves replacements to another (an S3 replica with PGOF_COMPACTOR=off).
     */
    Path combine(List<Path> inputs, byte[] merged) throws IOException;

    /** Replaces {@code inputs} (the bucket's previous rollup, then its raw profiles) by their merge. */
    Path rollup(long from, long to, List<Path> inputs, byte[] merged) throws IOException;

    /** Waits until the inputs of every replacement made so far are deleted from disk (they leave listings at once). */
    default void awaitReplaced() {}

    /** Deletes a stored file for good (retention). */
    void delete(StoredFile f) throws IOException;

    // --- counters, kept current by every change

    /** Files: raw profiles, rollups, combined files. */
    long storedCount();

    /** Submitted profiles the files hold together (a rollup or combined file counts its inputs). */
    long storedProfiles();

    long storedBytes();

    /** Raw profiles not yet folded into a rollup or combined file. */
    long unfoldedCount();

    /** Requests made to a storage service so far, by operation (S3: PUT, GET, LIST...); none for a local store. */
    default java.util.Map<String, Long> requests() {
        return java.util.Map.of();
    }

    /** Waits for queued writes to finish, then releases what the store holds. */
    @Override
    void close();
}
