package dev.pgofleet.store;

import dev.pgofleet.pprof.DecodeLimits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/** Local stores with an injected fault, for tests outside this package (a collector on a socket). */
public final class FaultyStores {
    private FaultyStores() {}

    /**
     * The local store whose directory fsync fails while {@code failures} is positive, each failure
     * counting it down; at zero it syncs for real.
     */
    public static ProfileStore failingDirectoryFsync(Path dir, int ioThreads, int ioQueue, DecodeLimits limits,
                                                     AtomicInteger failures) throws IOException {
        return DiskStore.open(dir, ioThreads, ioQueue, limits, d -> {
            if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IOException("injected: fsync of the directory failed");
            }
            DirectorySync.fsyncDirectory(d);
        });
    }

    /**
     * A directory fsync that, on a call for which {@code hold} answers true, counts {@code inFsync}
     * down, waits for {@code release} and then fails if {@code fail}; every other call syncs for
     * real. It keeps a rename in the store and not yet durable for as long as a test needs.
     */
    static DirectorySync.Fsync held(BooleanSupplier hold, CountDownLatch inFsync, CountDownLatch release, boolean fail) {
        return d -> {
            if (hold.getAsBoolean()) {
                inFsync.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (fail) {
                    throw new IOException("injected: fsync of the directory failed");
                }
            }
            DirectorySync.fsyncDirectory(d);
        };
    }
}
