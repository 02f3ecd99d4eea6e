package dev.pgofleet.store;

import dev.pgofleet.pprof.DecodeLimits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The profiles on disk. Each accepted profile is one file holding the bytes as received:
 * written to a temp file, fsync'd, renamed to its final name and made durable by a (shared)
 * directory fsync. Only final names ({@code *.pprof}) are ever read, so a crash leaves at worst a
 * temp file, which the next start removes. {@link StoredFile} describes the names: raw submits,
 * rollups (written by the {@link Compactor}) and results of and_combine, all sorting in arrival
 * order of their content. {@code <dir>/quarantine/} holds stored files that no longer parse and
 * {@code <dir>/combine.journal} exists only while a replacement (combine or rollup) is applied.
 *
 * <p>Concurrency: readers (merges) hold {@link #readLock()} from listing to the last read; the
 * few changes that remove files take the write lock only for the moment of the change. Changes
 * that rewrite the store (combine, compaction, retention) also hold {@link #maintenanceLock()}
 * throughout, so only one runs at a time.
 */
public final class ProfileStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProfileStore.class);
    static final String SUFFIX = StoredFile.SUFFIX;
    static final String TEMP_PREFIX = ".tmp-";
    static final String JOURNAL = ReplacementJournal.NAME;
    static final String QUARANTINE = "quarantine";

    private final Path dir;
    private final Path quarantine;
    private final String boot;
    /** This boot's raw names not yet stored or failed, sequence number to millis: compaction stays below the first. */
    private final ConcurrentSkipListMap<Long, Long> inFlight = new ConcurrentSkipListMap<>();
    private long lastMillis, lastSeq; // guarded by this: names never go backwards, even if the clock does
    private final ReentrantReadWriteLock files = new ReentrantReadWriteLock();
    private final ReentrantLock maintenance = new ReentrantLock();
    private final AtomicLong generation = new AtomicLong();
    /** Size of the last write that failed, until a write of that size works again (readiness probes it). */
    private volatile long failedWriteBytes;
    private final StoreCounters counters = new StoreCounters();
    private final ThreadPoolExecutor io;
    private final DirectorySync dirSync;
    private final StoreScan scan;
    private final ReplacementJournal journal;
    private final StoreLock lock;

    private ProfileStore(Path dir, int ioThreads, int ioQueue, DirectorySync.Fsync fsync, StoreLock lock) {
        this.dir = dir;
        this.lock = lock;
        this.quarantine = dir.resolve(QUARANTINE);
        byte[] b = new byte[3];
        new SecureRandom().nextBytes(b);
        this.boot = HexFormat.of().formatHex(b);
        this.io = new ThreadPoolExecutor(ioThreads, ioThreads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(ioQueue),
                Threads.named("store-io"), new ThreadPoolExecutor.AbortPolicy());
        this.dirSync = new DirectorySync(dir, fsync);
        this.scan = new StoreScan(dir, quarantine);
        this.journal = new ReplacementJournal(dir, dirSync);
    }

    /** Opens (creating if needed) the store, checks it is writable and finishes any interrupted combine. */
    public static ProfileStore open(Path dir, int ioThreads, int ioQueue) throws IOException {
        return open(dir, ioThreads, ioQueue, DecodeLimits.DEFAULT);
    }

    /**
     * Opens the store: creates it if needed, refuses a directory this process cannot write or that
     * another collector holds, finishes any interrupted replacement, takes over the original
     * collector's files (validated with {@code limits}) and logs any other unknown file once.
     */
    public static ProfileStore open(Path dir, int ioThreads, int ioQueue, DecodeLimits limits) throws IOException {
        return open(dir, ioThreads, ioQueue, limits, DirectorySync.REAL);
    }

    static ProfileStore open(Path dir, int ioThreads, int ioQueue, DecodeLimits limits, DirectorySync.Fsync fsync)
            throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        StoreAccess.requireWritable(abs);
        StoreLock lock = StoreLock.acquire(abs);
        ProfileStore store = new ProfileStore(abs, ioThreads, ioQueue, fsync, lock);
        try {
            Files.createDirectories(store.quarantine);
            store.journal.recover();
            store.removeTempFiles();
            OriginalTakeover.run(abs, store.quarantine, store.dirSync, limits);
            StoreAccess.reportUnknownEntries(abs);
            List<StoreScan.Listed> listed = store.scan.list();
            store.counters.reset(listed);
            // New names sort after everything stored before (a rollup's content is older than its making).
            for (StoreScan.Listed l : listed) {
                store.lastMillis = Math.max(store.lastMillis, l.file().madeMillis() + 1);
            }
        } catch (IOException | RuntimeException e) {
            try {
                store.close();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            throw e;
        }
        return store;
    }

    public Path directory() {
        return dir;
    }

    /** Changes whenever the set of stored profiles changes; a merge made at generation g is current while it stays g. */
    public long generation() {
        return generation.get();
    }

    /**
     * Stores the bytes durably. The future completes once the file is fsync'd, renamed and the
     * rename is durable; it fails with {@link StorageException} if anything went wrong, in which
     * case nothing is left behind: a file whose rename could not be made durable is taken back out
     * before the failure is reported, so a retry is counted once.
     *
     * @throws RejectedExecutionException when the I/O queue is full (the caller sheds the request)
     */
    public CompletableFuture<Path> store(byte[] bytes) {
        long[] name = nextName();
        try {
            return CompletableFuture.supplyAsync(() -> writeAndRename(bytes, StoredFile.raw(name[0], name[1], boot)), io)
                    .thenCompose(p -> dirSync.request().handle((ok, e) -> {
                        if (e != null) {
                            withdraw(p, bytes.length, e);
                            throw new CompletionException(e);
                        }
                        return p;
                    }))
                    .exceptionallyCompose(e -> CompletableFuture.failedFuture(asStorage(e)))
                    .whenComplete((p, e) -> inFlight.remove(name[1]));
        } catch (RejectedExecutionException e) {
            inFlight.remove(name[1]);
            throw e;
        }
    }

    /** Millis and sequence number of the next raw name, registered as in flight. */
    private synchronized long[] nextName() {
        lastMillis = Math.max(lastMillis, System.currentTimeMillis());
        lastSeq++;
        inFlight.put(lastSeq, lastMillis);
        return new long[] {lastMillis, lastSeq};
    }

    /** Every raw profile stored from now on will have a receive time at or after this. */
    public synchronized long settledMillis() {
        var first = inFlight.firstEntry();
        return first != null ? first.getValue() : Math.max(lastMillis, System.currentTimeMillis());
    }

    /**
     * Whether a raw file is complete and no raw file sorting before it can still appear: true for
     * earlier boots' files and for this boot's below the first name still being written.
     */
    public synchronized boolean isSettled(StoredFile raw) {
        if (!raw.boot().equals(boot)) {
            return true;
        }
        var first = inFlight.firstEntry();
        return raw.seq() < (first == null ? lastSeq + 1 : first.getKey());
    }

    /** Whether a raw file is still being made durable: it may yet be taken back out, so no combine may take it. */
    public boolean isPending(StoredFile f) {
        return f.kind() == StoredFile.Kind.RAW && f.boot().equals(boot) && inFlight.containsKey(f.seq());
    }

    private Path writeAndRename(byte[] bytes, String name) {
        Path tmp = dir.resolve(TEMP_PREFIX + name);
        try {
            DurableFiles.write(tmp, bytes);
            Path target = dir.resolve(name);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            generation.incrementAndGet();
            counters.added(StoredFile.of(target), bytes.length);
            failedWriteBytes = 0;
            return target;
        } catch (IOException e) {
            failedWriteBytes = Math.max(1, bytes.length);
            DurableFiles.deleteQuietly(tmp);
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Takes a renamed file back out after its directory fsync failed: the client is told that
     * nothing was stored, so nothing may stay. Merges are locked out for the moment of the change.
     */
    private void withdraw(Path file, long size, Throwable why) {
        failedWriteBytes = Math.max(1, size);
        files.writeLock().lock();
        try {
            Files.deleteIfExists(file);
            generation.incrementAndGet();
            counters.removed(StoredFile.of(file), size);
            log.error("could not make {} durable ({}): removed it, the client is told to retry", file.getFileName(), why.getMessage());
        } catch (IOException e) {
            log.error("could not make {} durable ({}) nor remove it ({}): it may be counted twice if the client retries",
                    file.getFileName(), why.getMessage(), e.getMessage());
        } finally {
            files.writeLock().unlock();
        }
        try {
            dirSync.syncNow();
        } catch (IOException e) {
            log.warn("directory fsync after removing {} failed too: {}", file.getFileName(), e.getMessage());
        }
    }

    private static Throwable asStorage(Throwable e) {
        Throwable c = e;
        while ((c instanceof CompletionException || c instanceof UncheckedIOException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof StorageException || c instanceof RejectedExecutionException) {
            return c;
        }
        return new StorageException("cannot store profile: " + c, c);
    }

    /**
     * Completes when a profile could be stored now, fails with the reason when not (full or
     * read-only disk). After a failed write, the probe is as large as that write, so a disk with
     * room for a byte but not for a profile stays unready until space is freed.
     */
    public CompletableFuture<Void> checkWritable() {
        return CompletableFuture.runAsync(() -> {
            Path probe = dir.resolve(TEMP_PREFIX + "ready-" + Thread.currentThread().getId());
            long size = Math.min(Math.max(1, failedWriteBytes), 64L << 20);
            try {
                DurableFiles.write(probe, new byte[(int) size]);
                failedWriteBytes = 0;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                DurableFiles.deleteQuietly(probe);
            }
        }, io);
    }

    /** Files in the store (raw profiles, rollups, combined files), kept current by every change the store makes. */
    public long storedCount() {
        return counters.files();
    }

    /** Submitted profiles the stored files hold together (a rollup or combined file counts its inputs). */
    public long storedProfiles() {
        return counters.profiles();
    }

    public long storedBytes() {
        return counters.bytes();
    }

    /** Raw profiles not yet folded into a rollup or combined file: what a merge must read one by one. */
    public long unfoldedCount() {
        return counters.waiting();
    }

    private void recount() {
        try {
            counters.reset(scan.list());
        } catch (IOException e) {
            log.warn("could not recount the store (metrics only): {}", e.toString());
        }
    }

    /** Stored files, oldest content first: regular files only (see {@link StoreScan}). */
    public List<Path> snapshot() throws IOException {
        return list().stream().map(StoredFile::path).toList();
    }

    /** {@link #snapshot()} with what each name says. */
    public List<StoredFile> list() throws IOException {
        return scan.list().stream().map(StoreScan.Listed::file).toList();
    }

    /** Held by merges from listing the files to their last read: no file they list disappears meanwhile. */
    public Lock readLock() {
        return files.readLock();
    }

    /** Held by whatever rewrites the store (combine, compaction, retention), so that one runs at a time. */
    public Lock maintenanceLock() {
        return maintenance;
    }

    /** Moves a stored file that no longer parses aside, so that merges go on without it. */
    public void quarantine(Path file, String reason) {
        try {
            Files.move(file, quarantine.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            log.error("stored profile {} is unreadable ({}) and could not be quarantined: {}", file.getFileName(), reason, e.toString());
            return;
        }
        generation.incrementAndGet();
        log.error("quarantined stored profile {}: {} (moved to {})", file.getFileName(), reason, quarantine);
        recount();
    }

    /** Replaces {@code inputs} (everything stored when the merge began) by their merge. */
    public Path combine(List<Path> inputs, byte[] merged) throws IOException {
        long profiles = StoredFile.profiles(describe(inputs));
        return replace(inputs, merged, unused(made -> StoredFile.combined(made, boot, profiles)), true);
    }

    /** Replaces {@code inputs} (the bucket's previous rollup, then its raw profiles) by their merge. */
    public Path rollup(long from, long to, List<Path> inputs, byte[] merged) throws IOException {
        long profiles = StoredFile.profiles(describe(inputs));
        return replace(inputs, merged, unused(made -> StoredFile.rollup(from, to, made, profiles)), false);
    }

    /** A name made now, or a millisecond later if taken: the new file must never be one of its own inputs. */
    private String unused(java.util.function.LongFunction<String> nameMadeAt) {
        for (long made = System.currentTimeMillis(); ; made++) {
            String name = nameMadeAt.apply(made);
            if (!Files.exists(dir.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                return name;
            }
        }
    }

    private static List<StoredFile> describe(List<Path> files) {
        return files.stream().map(StoredFile::of).toList();
    }

    /**
     * Replaces {@code inputs} by one file named {@code name} holding {@code merged}, crash-safely
     * (see {@link ReplacementJournal}). The caller holds the maintenance lock; readers are locked
     * out only while the new file appears and the inputs go. A rollup changes no content, so
     * cached merges stay current.
     */
    private Path replace(List<Path> inputs, byte[] merged, String name, boolean contentChanges) throws IOException {
        Path tmp = dir.resolve(TEMP_PREFIX + name);
        try {
            DurableFiles.write(tmp, merged);
            journal.begin(name, inputs);
        } catch (IOException e) {
            DurableFiles.deleteQuietly(tmp);
            throw new StorageException("cannot write " + name + ": " + e, e);
        }
        Path target = dir.resolve(name);
        files.writeLock().lock();
        try {
            // From here on the journal decides: the rename below is the commit point.
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            dirSync.syncNow();
            if (contentChanges) {
                generation.incrementAndGet();
            }
            journal.finish(inputs.stream().map(p -> p.getFileName().toString()).toList());
            if (contentChanges) {
                generation.incrementAndGet();
            }
        } finally {
            files.writeLock().unlock();
        }
        recount();
        return target;
    }

    /** Deletes a stored file for good (retention); the caller holds the maintenance lock. */
    public void delete(StoredFile f) throws IOException {
        long size = Files.size(f.path());
        files.writeLock().lock();
        try {
            Files.delete(f.path());
            dirSync.syncNow();
            generation.incrementAndGet();
        } finally {
            files.writeLock().unlock();
        }
        // Adjusted, not recounted: retention may delete many files in a row.
        counters.removed(f, size);
    }

    private void removeTempFiles() throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, TEMP_PREFIX + "*")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
                removed++;
            }
        }
        if (removed > 0) {
            log.info("removed {} temp files left by an interrupted write", removed);
            dirSync.syncNow();
        }
    }

    /** Waits for queued writes to finish, then stops the I/O threads and releases the directory. */
    @Override
    public void close() throws InterruptedException {
        io.shutdown();
        io.awaitTermination(30, TimeUnit.SECONDS);
        dirSync.close();
        try {
            lock.close();
        } catch (IOException e) {
            log.warn("could not release the lock on {}: {}", dir, e.getMessage());
        }
    }
}
