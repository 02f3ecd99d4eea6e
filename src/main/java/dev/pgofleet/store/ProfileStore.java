package dev.pgofleet.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
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
    static final String JOURNAL = "combine.journal";

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
    private final AtomicLong storedCount = new AtomicLong(), storedBytes = new AtomicLong(), foldedFiles = new AtomicLong();
    private final ThreadPoolExecutor io;
    private final DirectorySync dirSync;

    private ProfileStore(Path dir, int ioThreads, int ioQueue) {
        this.dir = dir;
        this.quarantine = dir.resolve("quarantine");
        byte[] b = new byte[3];
        new SecureRandom().nextBytes(b);
        this.boot = HexFormat.of().formatHex(b);
        this.io = new ThreadPoolExecutor(ioThreads, ioThreads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(ioQueue),
                Threads.named("store-io"), new ThreadPoolExecutor.AbortPolicy());
        this.dirSync = new DirectorySync(dir);
    }

    /** Opens (creating if needed) the store, checks it is writable and finishes any interrupted combine. */
    public static ProfileStore open(Path dir, int ioThreads, int ioQueue) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Files.createDirectories(abs);
        Files.createDirectories(abs.resolve("quarantine"));
        Path probe = Files.createTempFile(abs, TEMP_PREFIX, ".probe");
        Files.delete(probe);
        ProfileStore store = new ProfileStore(abs, ioThreads, ioQueue);
        store.recover();
        store.countStored();
        // New names sort after everything stored before (a rollup's content is older than its making).
        for (StoredFile f : store.list()) {
            store.lastMillis = Math.max(store.lastMillis, f.madeMillis() + 1);
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
     * case nothing is left behind.
     *
     * @throws RejectedExecutionException when the I/O queue is full (the caller sheds the request)
     */
    public CompletableFuture<Path> store(byte[] bytes) {
        long[] name = nextName();
        try {
            return CompletableFuture.supplyAsync(() -> writeAndRename(bytes, StoredFile.raw(name[0], name[1], boot)), io)
                    .thenCompose(p -> dirSync.request().thenApply(v -> p))
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

    private Path writeAndRename(byte[] bytes, String name) {
        Path tmp = dir.resolve(TEMP_PREFIX + name);
        try {
            writeDurably(tmp, bytes);
            Path target = dir.resolve(name);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            generation.incrementAndGet();
            storedCount.incrementAndGet();
            storedBytes.addAndGet(bytes.length);
            failedWriteBytes = 0;
            return target;
        } catch (IOException e) {
            failedWriteBytes = Math.max(1, bytes.length);
            deleteQuietly(tmp);
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void writeDurably(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
    }

    private static Throwable asStorage(Throwable e) {
        Throwable c = e;
        while ((c instanceof java.util.concurrent.CompletionException || c instanceof java.io.UncheckedIOException)
                && c.getCause() != null) {
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
                writeDurably(probe, new byte[(int) size]);
                failedWriteBytes = 0;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } finally {
                deleteQuietly(probe);
            }
        }, io);
    }

    /** Profile files in the store (for metrics), kept current by every change the store makes. */
    public long storedCount() {
        return storedCount.get();
    }

    public long storedBytes() {
        return storedBytes.get();
    }

    /** Raw profiles not yet folded into a rollup or combined file: what a merge must read one by one. */
    public long unfoldedCount() {
        return storedCount.get() - foldedFiles.get();
    }

    private void countStored() throws IOException {
        long n = 0, bytes = 0, folded = 0;
        for (StoredFile f : list()) {
            n++;
            bytes += Files.size(f.path());
            folded += isWaiting(f) ? 0 : 1;
        }
        foldedFiles.set(folded);
        storedCount.set(n);
        storedBytes.set(bytes);
    }

    /** Whether the compactor has yet to fold this file. Files under unknown names are never compacted. */
    private static boolean isWaiting(StoredFile f) {
        return f.kind() == StoredFile.Kind.RAW && f.toMillis() != Long.MAX_VALUE;
    }

    /** Stored files, oldest content first. */
    public List<Path> snapshot() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path p : ds) {
                if (!p.getFileName().toString().startsWith(".")) {
                    files.add(p);
                }
            }
        }
        files.sort(null);
        return files;
    }

    /** {@link #snapshot()} with what each name says. */
    public List<StoredFile> list() throws IOException {
        return snapshot().stream().map(StoredFile::of).toList();
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
        try {
            countStored();
        } catch (IOException e) {
            log.warn("could not recount the store after a quarantine (metrics only): {}", e.toString());
        }
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
            if (!Files.exists(dir.resolve(name))) {
                return name;
            }
        }
    }

    private static List<StoredFile> describe(List<Path> files) {
        return files.stream().map(StoredFile::of).toList();
    }

    /**
     * Replaces {@code inputs} by one file named {@code name} holding {@code merged}, crash-safely:
     * a journal names the new file and the inputs before anything visible changes, so a restart
     * either finds the new file missing (and keeps the inputs) or present (and finishes deleting
     * the inputs). The caller holds the maintenance lock; readers are locked out only while the new
     * file appears and the inputs go. A rollup changes no content, so cached merges stay current.
     */
    private Path replace(List<Path> inputs, byte[] merged, String name, boolean contentChanges) throws IOException {
        Path tmp = dir.resolve(TEMP_PREFIX + name);
        Path journalTmp = dir.resolve(TEMP_PREFIX + JOURNAL);
        Path journal = dir.resolve(JOURNAL);
        try {
            writeDurably(tmp, merged);
            StringBuilder j = new StringBuilder(name).append('\n');
            inputs.forEach(p -> j.append(p.getFileName()).append('\n'));
            writeDurably(journalTmp, j.toString().getBytes(StandardCharsets.UTF_8));
            Files.move(journalTmp, journal, StandardCopyOption.ATOMIC_MOVE);
            dirSync.syncNow();
        } catch (IOException e) {
            deleteQuietly(tmp);
            deleteQuietly(journalTmp);
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
            finishReplace(inputs.stream().map(p -> p.getFileName().toString()).toList(), contentChanges);
        } finally {
            files.writeLock().unlock();
        }
        countStored();
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
        storedCount.decrementAndGet();
        storedBytes.addAndGet(-size);
        if (!isWaiting(f)) {
            foldedFiles.decrementAndGet();
        }
    }

    private void finishReplace(List<String> inputs, boolean contentChanges) throws IOException {
        for (String in : inputs) {
            Files.deleteIfExists(dir.resolve(in));
        }
        dirSync.syncNow();
        Files.deleteIfExists(dir.resolve(JOURNAL));
        dirSync.syncNow();
        if (contentChanges) {
            generation.incrementAndGet();
        }
    }

    private void recover() throws IOException {
        Path journal = dir.resolve(JOURNAL);
        if (Files.exists(journal)) {
            List<String> lines = Files.readAllLines(journal, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
            if (!lines.isEmpty() && Files.exists(dir.resolve(lines.get(0)))) {
                log.warn("finishing an interrupted replacement: {} replaces {} files", lines.get(0), lines.size() - 1);
                finishReplace(lines.subList(1, lines.size()), true);
            } else {
                log.warn("rolling back an interrupted replacement (and_combine or rollup): the stored files stay as they were");
                Files.deleteIfExists(journal);
                dirSync.syncNow();
            }
        }
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

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the next start removes temp files anyway
        }
    }

    /** Waits for queued writes to finish, then stops the I/O threads. */
    @Override
    public void close() {
        io.shutdown();
        Threads.awaitTermination(io, 30, TimeUnit.SECONDS);
        dirSync.close();
    }
}
