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
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The profiles on disk. Each accepted profile is one file holding the bytes as received:
 * written to a temp file, fsync'd, renamed to its final name and made durable by a (shared)
 * directory fsync. Only final names ({@code *.pprof}) are ever read, so a crash leaves at worst a
 * temp file, which the next start removes.
 *
 * <p>Layout: {@code <dir>/<millis>-<seq>-<boot>.pprof} (submits, in arrival order),
 * {@code <dir>/0000000000000-<millis>-<boot>c.pprof} (results of and_combine, sorted first),
 * {@code <dir>/quarantine/} (stored files that no longer parse), {@code <dir>/combine.journal}
 * (present only while an and_combine is being applied).
 */
public final class ProfileStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProfileStore.class);
    static final String SUFFIX = ".pprof";
    static final String TEMP_PREFIX = ".tmp-";
    static final String JOURNAL = "combine.journal";

    private final Path dir;
    private final Path quarantine;
    private final String boot;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong generation = new AtomicLong();
    /** Size of the last write that failed, until a write of that size works again (readiness probes it). */
    private volatile long failedWriteBytes;
    private final AtomicLong storedCount = new AtomicLong(), storedBytes = new AtomicLong(), combinedCount = new AtomicLong();
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
        return CompletableFuture.supplyAsync(() -> writeAndRename(bytes, nextName()), io)
                .thenCompose(p -> dirSync.request().thenApply(v -> p))
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(asStorage(e)));
    }

    private String nextName() {
        return String.format("%013d-%010d-%s%s", System.currentTimeMillis(), sequence.incrementAndGet(), boot, SUFFIX);
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

    /** Stored profiles not yet folded into a combined file: what a merge must read one by one. */
    public long unfoldedCount() {
        return storedCount.get() - combinedCount.get();
    }

    private void countStored() throws IOException {
        long n = 0, bytes = 0, combined = 0;
        for (Path p : snapshot()) {
            n++;
            bytes += Files.size(p);
            combined += receivedMillis(p) == 0 ? 1 : 0;
        }
        combinedCount.set(combined);
        storedCount.set(n);
        storedBytes.set(bytes);
    }

    /** When a stored profile was received (epoch millis, from its name); 0 for results of and_combine. */
    public static long receivedMillis(Path stored) {
        String name = stored.getFileName().toString();
        try {
            return Long.parseLong(name.substring(0, 13));
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Stored profiles, oldest first. */
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

    /** Moves a stored file that no longer parses aside, so that merges go on without it. */
    public void quarantine(Path file, String reason) {
        try {
            long size = Files.size(file);
            Files.move(file, quarantine.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            generation.incrementAndGet();
            storedCount.decrementAndGet();
            storedBytes.addAndGet(-size);
            log.error("quarantined stored profile {}: {} (moved to {})", file.getFileName(), reason, quarantine);
        } catch (IOException e) {
            log.error("stored profile {} is unreadable ({}) and could not be quarantined: {}", file.getFileName(), reason, e.toString());
        }
    }

    /**
     * Replaces {@code inputs} by one file holding {@code merged}, crash-safely: a journal names the
     * new file and the inputs before anything visible changes, so a restart either finds the new
     * file missing (and keeps the inputs) or present (and finishes deleting the inputs).
     * Must not run concurrently with another combine or a merge's read of the same files.
     */
    public Path combine(List<Path> inputs, byte[] merged) throws IOException {
        String name = String.format("%013d-%013d-%sc%s", 0, System.currentTimeMillis(), boot, SUFFIX);
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
            throw new StorageException("cannot write combined profile: " + e, e);
        }
        // From here on the journal decides: the rename below is the commit point.
        Path target = dir.resolve(name);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        dirSync.syncNow();
        generation.incrementAndGet();
        finishCombine(inputs.stream().map(p -> p.getFileName().toString()).toList());
        countStored();
        return target;
    }

    private void finishCombine(List<String> inputs) throws IOException {
        for (String in : inputs) {
            Files.deleteIfExists(dir.resolve(in));
        }
        dirSync.syncNow();
        Files.deleteIfExists(dir.resolve(JOURNAL));
        dirSync.syncNow();
        generation.incrementAndGet();
    }

    private void recover() throws IOException {
        Path journal = dir.resolve(JOURNAL);
        if (Files.exists(journal)) {
            List<String> lines = Files.readAllLines(journal, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
            if (!lines.isEmpty() && Files.exists(dir.resolve(lines.get(0)))) {
                log.warn("finishing an interrupted and_combine: {} replaces {} profiles", lines.get(0), lines.size() - 1);
                finishCombine(lines.subList(1, lines.size()));
            } else {
                log.warn("rolling back an interrupted and_combine: the stored profiles stay as they were");
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
    public void close() throws InterruptedException {
        io.shutdown();
        io.awaitTermination(30, TimeUnit.SECONDS);
        dirSync.close();
    }
}
