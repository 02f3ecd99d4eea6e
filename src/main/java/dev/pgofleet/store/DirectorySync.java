package dev.pgofleet.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Group commit for directory entries: a rename is durable once the directory is fsync'd, and one
 * fsync covers every rename made before it started. Callers ask for a sync after their rename;
 * all requests waiting when a round starts share that round. While other writes are under way, a
 * round waits {@link #LINGER_NANOS} first, so that it covers their renames too: under a sustained
 * load a round then covers more profiles, and each round is a directory fsync: a metadata write and
 * a disk flush, with the waits and wake-ups they bring (bench/README.md).
 */
final class DirectorySync implements AutoCloseable {
    /** How a directory is made durable; tests inject failures here. */
    @FunctionalInterface
    interface Fsync {
        void sync(Path dir) throws IOException;
    }

    static final Fsync REAL = DirectorySync::fsyncDirectory;
    /**
     * Short against a submit's answer time under load (10-20 ms), long enough for a file fsync to
     * finish. On the pool services share, a lingering round holds one of its threads that long.
     */
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Path dir;
    private final Fsync fsync;
    /** Runs the rounds: a thread of this store's own, or a pool every service's store shares. */
    private final Executor rounds;
    private final ExecutorService owned;
    /** Whether a write is under way whose rename a round could wait for. */
    private final BooleanSupplier othersWriting;
    private final long lingerNanos;
    private List<CompletableFuture<Void>> waiting = new ArrayList<>();
    /** Whether a round is queued or running; at most one per directory at a time. */
    private boolean running;
    private boolean closed;

    /**
     * With the rounds run on {@code shared} (null: on a thread of its own), each first waiting
     * {@code lingerNanos} while {@code othersWriting}.
     */
    DirectorySync(Path dir, Fsync fsync, Executor shared, BooleanSupplier othersWriting, long lingerNanos) {
        this.dir = dir;
        this.fsync = fsync;
        this.othersWriting = othersWriting;
        this.lingerNanos = lingerNanos;
        this.owned = shared == null ? Executors.newSingleThreadExecutor(Threads.named("dir-fsync")) : null;
        this.rounds = shared == null ? owned : shared;
    }

    /** Completes once the directory has been fsync'd after this call. */
    synchronized CompletableFuture<Void> request() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new IOException("store is closed"));
            return f;
        }
        waiting.add(f);
        if (!running) {
            try {
                rounds.execute(this::run);
                running = true;
            } catch (RejectedExecutionException e) {
                waiting.remove(f);
                f.completeExceptionally(new IOException("store is closing"));
            }
        }
        return f;
    }

    /** Synchronous variant for rare operations (combine, recovery). */
    void syncNow() throws IOException {
        fsync.sync(dir);
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Rounds until nothing waits: every request waiting when a round starts shares its fsync. */
    private void run() {
        while (true) {
            synchronized (this) {
                if (waiting.isEmpty()) {
                    running = false;
                    notifyAll();
                    return;
                }
            }
            if (othersWriting.getAsBoolean()) {
                LockSupport.parkNanos(lingerNanos);
            }
            List<CompletableFuture<Void>> batch;
            synchronized (this) {
                batch = waiting;
                waiting = new ArrayList<>();
            }
            try {
                fsync.sync(dir);
                batch.forEach(f -> f.complete(null));
            } catch (IOException | RuntimeException e) {
                batch.forEach(f -> f.completeExceptionally(e));
            }
        }
    }

    /** Stops taking requests and waits (up to 10 s) for the rounds of those already made. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            Threads.awaitWhile(this, () -> running, 10, TimeUnit.SECONDS);
        }
        if (owned != null) {
            owned.shutdown();
            Threads.awaitTermination(owned, 1, TimeUnit.SECONDS);
        }
    }
}
