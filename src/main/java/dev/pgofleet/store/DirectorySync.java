package dev.pgofleet.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Group commit for directory entries: a rename is durable once the directory is fsync'd, and one
 * fsync covers every rename made before it started. Callers ask for a sync after their rename;
 * all requests waiting when a round starts share that round.
 */
final class DirectorySync implements AutoCloseable {
    /** How a directory is made durable; tests inject failures here. */
    @FunctionalInterface
    interface Fsync {
        void sync(Path dir) throws IOException;
    }

    static final Fsync REAL = DirectorySync::fsyncDirectory;

    private final Path dir;
    private final Fsync fsync;
    private final Thread thread;
    private List<CompletableFuture<Void>> waiting = new ArrayList<>();
    private boolean closed;

    DirectorySync(Path dir, Fsync fsync) {
        this.dir = dir;
        this.fsync = fsync;
        this.thread = new Thread(this::run, "dir-fsync");
        thread.setDaemon(true);
        thread.start();
    }

    /** Completes once the directory has been fsync'd after this call. */
    synchronized CompletableFuture<Void> request() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new IOException("store is closed"));
            return f;
        }
        waiting.add(f);
        notifyAll();
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

    private void run() {
        while (true) {
            List<CompletableFuture<Void>> batch;
            synchronized (this) {
                while (waiting.isEmpty() && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                if (waiting.isEmpty()) {
                    return;
                }
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

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        Threads.join(thread, 10_000);
    }
}
