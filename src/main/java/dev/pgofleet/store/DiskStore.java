package dev.pgofleet.store;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.pprof.ParallelFold;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The profiles on disk, in one directory. Each accepted profile is one file holding the bytes as received:
 * written to a temp file, fsync'd, renamed to its final name and made durable by a (shared)
 * directory fsync. Only final names ({@code *.pprof}) are ever read, so a crash leaves at worst a
 * temp file, which the next start removes. {@link StoredFile} describes the names: raw submits,
 * rollups (written by the {@link Compactor}) and results of and_combine, all sorting in arrival
 * order of their content. {@code <dir>/quarantine/} holds stored files that no longer parse and
 * {@code <dir>/combine.journal} exists only while a replacement (combine or rollup) is applied, and
 * {@code retire-*.journal} while a committed rollup's inputs are deleted.
 *
 * <p>Concurrency: readers (merges) hold {@link #readLock()} from listing to the last read; the
 * few changes that remove files take the write lock only for the moment of the change. Changes
 * that rewrite the store (combine, compaction, retention) also hold {@link #maintenanceLock()}
 * throughout, so only one runs at a time.
 */
public final class DiskStore implements ProfileStore {
    private static final Logger log = LoggerFactory.getLogger(DiskStore.class);
    static final String SUFFIX = StoredFile.SUFFIX;

    private final Path dir;
    private final Path quarantine;
    private final RawNames names = new RawNames();
    private final ReentrantReadWriteLock files = new ReentrantReadWriteLock();
    private final ReentrantLock maintenance = new ReentrantLock();
    private final AtomicLong generation = new AtomicLong();
    /** Submits between the start of their write and their rename: a directory fsync round waits a moment for them. */
    private final AtomicInteger writing = new AtomicInteger();
    /**
     * What is stored, in the listing's order: every change this process makes to the stored names
     * is made here too, so a listing costs no directory read (with thousands of raw and spare files,
     * reading the directory was the largest part of a merge's CPU under load). The directory is read
     * at start and by {@link #rescan()}, which picks up files placed there by hand.
     */
    private final ConcurrentSkipListMap<Path, StoreScan.Listed> index = new ConcurrentSkipListMap<>();
    /** Inputs of a committed replacement still being deleted: no longer stored, though still on disk. */
    private final Set<String> retiring = ConcurrentHashMap.newKeySet();
    /** Held from a replacement's journal to its commit (a combine's: to its last delete). */
    private final Semaphore replacing = new Semaphore(1);
    /** One thread at most, ended when idle: a collector holds a store per service. */
    private final ThreadPoolExecutor retire = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
            Threads.named("store-retire"));
    /** Rollups whose inputs could not all be deleted, tried again by the next {@link #retire(Retirement)}. */
    private final List<Retirement> unfinished = new ArrayList<>();
    /** A committed replacement whose combine.journal is not finished (guarded by {@link #replacing}). */
    private List<String> unfinishedJournal;
    /** Size of the last write that failed, until a write of that size works again (readiness probes it). */
    private volatile long failedWriteBytes;
    private final StoreCounters counters = new StoreCounters();
    private final ThreadPoolExecutor io;
    /** False for a service's store: the pool is shared, shut down by whoever made it. */
    private final boolean ownsIo;
    private final DirectorySync dirSync;
    private final StoreScan scan;
    private final ReplacementJournal journal;
    private final SpareFiles spares;
    private final StoreLock lock;

    private DiskStore(Path dir, ThreadPoolExecutor io, boolean ownsIo, DirectorySync.Fsync fsync, Executor fsyncRounds,
                      StoreLock lock) {
        this.dir = dir;
        this.lock = lock;
        this.quarantine = dir.resolve(QUARANTINE);
        this.io = io;
        this.ownsIo = ownsIo;
        this.dirSync = new DirectorySync(dir, fsync, fsyncRounds, () -> writing.get() > 0, DirectorySync.LINGER_NANOS);
        this.scan = new StoreScan(dir, quarantine);
        this.spares = new SpareFiles(dir);
        this.journal = new ReplacementJournal(dir, dirSync, spares);
        retire.allowCoreThreadTimeOut(true);
    }

    /** See {@link ProfileStore#open(Path, int, int, DecodeLimits)}; {@code fsync} makes directories durable (tests inject failures). */
    static DiskStore open(Path dir, int ioThreads, int ioQueue, DecodeLimits limits, DirectorySync.Fsync fsync)
            throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        StoreAccess.requireWritable(abs);
        StoreLock lock = StoreLock.acquire(abs);
        ThreadPoolExecutor io = new ThreadPoolExecutor(ioThreads, ioThreads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(ioQueue),
                Threads.named("store-io"), new ThreadPoolExecutor.AbortPolicy());
        return recover(new DiskStore(abs, io, true, fsync, null, lock), limits);
    }

    /**
     * A service's store in {@code dir}, inside a store whose lock this process holds: writes run on
     * {@code io} and directory fsyncs on {@code fsyncRounds}, pools every service shares (which
     * the caller shuts down after closing the stores).
     */
    static DiskStore openShared(Path dir, ThreadPoolExecutor io, Executor fsyncRounds, DecodeLimits limits) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        StoreAccess.requireWritable(abs);
        return recover(new DiskStore(abs, io, false, DirectorySync.REAL, fsyncRounds, null), limits);
    }

    private static DiskStore recover(DiskStore store, DecodeLimits limits) throws IOException {
        Path abs = store.dir;
        try {
            Files.createDirectories(store.quarantine);
            store.journal.recover();
            store.removeTempFiles();
            OriginalTakeover.run(abs, store.quarantine, store.dirSync, limits);
            StoreAccess.reportUnknownEntries(abs);
            List<StoreScan.Listed> listed = store.scan.list(p -> null);
            listed.forEach(l -> store.index.put(l.file().path(), l));
            store.counters.reset(listed);
            // New names sort after everything stored before (a rollup's content is older than its making).
            for (StoreScan.Listed l : listed) {
                store.names.notBefore(l.file().madeMillis() + 1);
            }
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    public Path directory() {
        return dir;
    }

    @Override
    public String location() {
        return dir.toString();
    }

    @Override
    public byte[] read(Path item, long limit) throws IOException, InvalidProfileException {
        return ParallelFold.FILES.read(item, limit);
    }

    @Override
    public long generation() {
        return generation.get();
    }

    /**
     * Stores the bytes durably. The future completes once the file is fsync'd, renamed and the
     * rename is durable; it fails with {@link StorageException} if anything went wrong, in which
     * case nothing is left behind: a file whose rename could not be made durable is taken back out
     * before the failure is reported, so a retry is counted once.
     *
     * {@code onDurable} runs after that, before the name counts as settled.
     *
     * @throws RejectedExecutionException when the I/O queue is full (the caller sheds the request)
     */
    @Override
    public CompletableFuture<Path> store(byte[] bytes, Consumer<Path> onDurable) {
        StoredFile name = names.next(dir);
        try {
            return CompletableFuture.supplyAsync(() -> writeAndRename(bytes, name), io)
                    .thenCompose(p -> dirSync.request().handle((ok, e) -> {
                        if (e != null) {
                            withdraw(p, bytes.length, e);
                            throw new CompletionException(e);
                        }
                        return p;
                    }))
                    .exceptionallyCompose(e -> CompletableFuture.failedFuture(asStorage(e)))
                    .thenApply(p -> {
                        try {
                            onDurable.accept(p);
                        } catch (RuntimeException e) {
                            // The profile is durable: the client is told so whatever a listener does.
                            log.error("after storing {}: {}", p.getFileName(), e.toString());
                        }
                        return p;
                    })
                    .whenComplete((p, e) -> {
                        names.done(name);
                        if (e == null) {
                            // Merges leave a file out until it is durable: one made before now is not current.
                            generation.incrementAndGet();
                        }
                    });
        } catch (RejectedExecutionException e) {
            names.done(name);
            throw e;
        }
    }

    @Override
    public long settledMillis() {
        return names.settledMillis();
    }

    @Override
    public boolean isSettled(StoredFile raw) {
        return names.isSettled(raw);
    }

    @Override
    public boolean isPending(StoredFile f) {
        return names.isPending(f);
    }

    @Override
    public RawNames names() {
        return names;
    }

    private Path writeAndRename(byte[] bytes, StoredFile stored) {
        Path target = stored.path(), tmp = spares.take();
        writing.incrementAndGet();
        try {
            if (tmp == null || !DurableFiles.overwrite(tmp, bytes)) {
                tmp = dir.resolve(TEMP_PREFIX + target.getFileName());
                DurableFiles.write(tmp, bytes);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            index.put(target, new StoreScan.Listed(stored, bytes.length, target.getFileName().toString()));
            generation.incrementAndGet();
            counters.added(stored, bytes.length);
            failedWriteBytes = 0;
            return target;
        } catch (IOException e) {
            failedWriteBytes = Math.max(1, bytes.length);
            DurableFiles.deleteQuietly(tmp);
            throw new UncheckedIOException(e);
        } finally {
            writing.decrementAndGet();
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
            index.remove(file);
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

    private Throwable asStorage(Throwable e) {
        Throwable c = IoReason.cause(e);
        if (c instanceof StorageException || c instanceof RejectedExecutionException) {
            return c;
        }
        return new StorageException("cannot store profile in " + dir + ": " + (c instanceof IOException io ? IoReason.of(io) : c), c);
    }

    /**
     * Completes when a profile could be stored now, fails with the reason when not (full or
     * read-only disk, directory gone). After a failed write, the probe is as large as that write,
     * so a disk with room for a byte but not for a profile stays unready until space is freed.
     */
    @Override
    public CompletableFuture<Void> checkWritable() {
        return CompletableFuture.runAsync(() -> {
            Path probe = dir.resolve(TEMP_PREFIX + "ready-" + Thread.currentThread().getId());
            long size = Math.min(Math.max(1, failedWriteBytes), 64L << 20);
            try {
                DurableFiles.write(probe, new byte[(int) size]);
                failedWriteBytes = 0;
            } catch (IOException e) {
                throw new CompletionException(new StorageException(dir + ": " + IoReason.of(e), e));
            } finally {
                DurableFiles.deleteQuietly(probe);
            }
        }, io);
    }

    @Override
    public long storedCount() {
        return counters.files();
    }

    @Override
    public long storedProfiles() {
        return counters.profiles();
    }

    @Override
    public long storedBytes() {
        return counters.bytes();
    }

    @Override
    public long unfoldedCount() {
        return counters.waiting();
    }

    private void recount() {
        counters.reset(listed());
    }

    @Override
    public List<Path> snapshot() throws IOException {
        return list().stream().map(StoredFile::path).toList();
    }

    @Override
    public List<StoredFile> list() throws IOException {
        return listed().stream().map(StoreScan.Listed::file).toList();
    }

    /** What is stored, oldest content first. */
    private List<StoreScan.Listed> listed() {
        return List.copyOf(index.values());
    }

    /**
     * Reads the directory and brings the listing in line with it: a {@code *.pprof} file placed
     * there by hand is listed (merged) from now on, one removed by hand is no longer listed, and an
     * entry that is not a regular file is set aside ({@link StoreScan}). The directory is read
     * without a lock; what differs from the listing is checked on disk and applied under the write
     * lock, which every other removal also holds, so a merge sees the listing before or after.
     * The compactor calls this each pass.
     */
    @Override
    public List<StoredFile> rescan() throws IOException {
        // Copied before the directory is read: an input deleted (and so no longer retiring) while
        // it is read may still be listed by it, and is left out by the copy.
        Set<String> wasRetiring = retiring.isEmpty() ? Set.of() : Set.copyOf(retiring);
        Set<Path> wasListed = Set.copyOf(index.keySet());
        List<StoreScan.Listed> found = new ArrayList<>();
        Set<Path> onDisk = new HashSet<>();
        for (StoreScan.Listed l : scan.list(index::get)) {
            onDisk.add(l.file().path());
            // A raw file still pending is one of this process's submits between its rename and its listing.
            if (!index.containsKey(l.file().path()) && !wasRetiring.contains(l.name()) && !names.isPending(l.file())) {
                found.add(l);
            }
        }
        List<Path> gone = wasListed.stream().filter(p -> !onDisk.contains(p)).toList();
        if (found.isEmpty() && gone.isEmpty()) {
            return list();
        }
        files.writeLock().lock();
        try {
            boolean changed = false;
            for (StoreScan.Listed l : found) {
                // Still there and not ours to remove: not a file withdrawn or retired since it was read.
                if (!retiring.contains(l.name()) && Files.isRegularFile(l.file().path(), LinkOption.NOFOLLOW_LINKS)
                        && index.putIfAbsent(l.file().path(), l) == null) {
                    log.info("found {} in the store, not stored by this process: merged from now on", l.name());
                    changed = true;
                }
            }
            for (Path p : gone) {
                if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) && index.remove(p) != null) {
                    log.warn("{} was removed from the store by another process: no longer merged", p.getFileName());
                    changed = true;
                }
            }
            if (changed) {
                generation.incrementAndGet();
                recount();
            }
        } finally {
            files.writeLock().unlock();
        }
        return list();
    }

    @Override
    public Lock readLock() {
        return files.readLock();
    }

    @Override
    public Lock maintenanceLock() {
        return maintenance;
    }

    @Override
    public boolean quarantine(Path file, String reason) {
        boolean moved = true;
        try {
            Files.move(file, quarantine.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            log.error("quarantined stored profile {}: {} (moved to {})", file.getFileName(), reason, quarantine);
        } catch (NoSuchFileException gone) {
            // removed by hand since it was listed: nothing to set aside, and no longer listed
            log.warn("stored profile {} is gone from the store ({}): no longer merged", file.getFileName(), reason);
            moved = false;
        } catch (IOException e) {
            log.error("stored profile {} is unreadable ({}) and could not be quarantined: {}", file.getFileName(), reason,
                    IoReason.describe(e));
            return true;
        }
        index.remove(file);
        generation.incrementAndGet();
        recount();
        return moved;
    }

    @Override
    public Path combine(List<Path> inputs, byte[] merged) throws IOException {
        long profiles = StoredFile.profiles(describe(inputs));
        return replace(inputs, merged, unused(made -> StoredFile.combined(made, names.boot(), profiles)), true);
    }

    @Override
    public Path rollup(long from, long to, List<Path> inputs, byte[] merged) throws IOException {
        long profiles = StoredFile.profiles(describe(inputs));
        return replace(inputs, merged, unused(made -> StoredFile.rollup(from, to, made, profiles)), false);
    }

    /** A name made now, or a millisecond later if taken: the new file must never be one of its own inputs. */
    private String unused(LongFunction<String> nameMadeAt) {
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
     * out only while the new file appears and its inputs leave the listing. A combine deletes its
     * inputs before it returns. A rollup changes no content, so cached merges stay current; its
     * inputs (hundreds of files, each unlink waiting for the disk) are deleted in the background
     * under a journal of their own, so the next replacement need not wait for them.
     */
    private Path replace(List<Path> inputs, byte[] merged, String name, boolean contentChanges) throws IOException {
        replacing.acquireUninterruptibly(); // one combine.journal at a time
        try {
            if (unfinishedJournal != null) {
                // Before a new journal may take its name: a failure here leaves everything as it was.
                finishJournal(unfinishedJournal);
                unfinishedJournal = null;
            }
            Path tmp = dir.resolve(TEMP_PREFIX + name);
            try {
                DurableFiles.write(tmp, merged);
                journal.begin(name, inputs);
            } catch (IOException e) {
                DurableFiles.deleteQuietly(tmp);
                throw new StorageException("cannot write " + name + ": " + IoReason.of(e), e);
            }
            Path target = dir.resolve(name);
            List<String> replaced = inputs.stream().map(p -> p.getFileName().toString()).toList();
            files.writeLock().lock();
            try {
                // From here on the journal decides: the rename below is the commit point. Listings
                // leave the inputs out from the same moment, so merges need not wait for their deletion.
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                retiring.addAll(replaced);
                index.put(target, new StoreScan.Listed(StoredFile.of(target), merged.length, name));
                inputs.forEach(index::remove);
                if (contentChanges) {
                    generation.incrementAndGet();
                }
            } finally {
                files.writeLock().unlock();
            }
            Retirement r;
            try {
                dirSync.syncNow(); // the commit is durable before its inputs go, or before the journal says so by its name
                if (contentChanges) {
                    finishJournal(replaced);
                    generation.incrementAndGet();
                    return target;
                }
                r = new Retirement(journal.committed(name), replaced);
            } catch (IOException e) {
                // Committed, and combine.journal still names the inputs (hidden meanwhile): finished before the next replacement.
                unfinishedJournal = replaced;
                throw e;
            }
            recount(); // the inputs no longer count, though still on disk
            try {
                retire.execute(() -> retire(r));
            } catch (RejectedExecutionException closing) {
                retire(r);
            }
            return target;
        } finally {
            replacing.release();
        }
    }

    /** Deletes a committed replacement's inputs, then combine.journal; they stay hidden until they are gone. */
    private void finishJournal(List<String> replaced) throws IOException {
        journal.finish(replaced);
        retiring.removeAll(replaced);
        recount();
    }

    /** The inputs of a committed rollup, to delete, and the journal naming them. */
    private record Retirement(Path journal, List<String> inputs) {}

    /** Deletes a committed rollup's inputs (and any a failed attempt left); runs on {@link #retire}, one at a time. */
    private synchronized void retire(Retirement r) {
        List<Retirement> todo = new ArrayList<>(unfinished);
        unfinished.clear();
        todo.add(r);
        for (Retirement t : todo) {
            try {
                journal.retire(t.journal(), t.inputs());
                retiring.removeAll(t.inputs());
            } catch (IOException e) {
                // Still hidden from listings; retried with the next rollup, or at the next start from the journal.
                log.error("could not delete the {} files {} names ({}); retried with the next rollup", t.inputs().size(),
                        t.journal().getFileName(), IoReason.describe(e));
                unfinished.add(t);
            }
        }
    }

    @Override
    public void awaitReplaced() {
        try {
            retire.submit(() -> {}).get();
        } catch (RejectedExecutionException closed) {
            // closing: close() waits for the deletions
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void delete(StoredFile f) throws IOException {
        long size = Files.size(f.path());
        files.writeLock().lock();
        try {
            Files.delete(f.path());
            index.remove(f.path());
            dirSync.syncNow();
            generation.incrementAndGet();
        } finally {
            files.writeLock().unlock();
        }
        // Adjusted, not recounted: retention may delete many files in a row.
        counters.removed(f, size);
    }

    private void removeTempFiles() throws IOException {
        int removed = 0, spareFiles = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, TEMP_PREFIX + "*")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
                if (p.getFileName().toString().startsWith(SpareFiles.PREFIX)) {
                    spareFiles++; // kept on purpose, not left by an interrupted write
                } else {
                    removed++;
                }
            }
        }
        if (removed > 0) {
            log.info("removed {} temp files left by an interrupted write", removed);
        }
        if (removed + spareFiles > 0) {
            dirSync.syncNow();
        }
    }

    @Override
    public void close() {
        if (ownsIo) {
            io.shutdown();
            Threads.awaitTermination(io, 30, TimeUnit.SECONDS);
        }
        retire.shutdown();
        Threads.awaitTermination(retire, 30, TimeUnit.SECONDS);
        dirSync.close();
        if (lock == null) {
            return;
        }
        try {
            lock.close();
        } catch (IOException e) {
            log.warn("could not release the lock on {}: {}", dir, e.getMessage());
        }
    }
}
