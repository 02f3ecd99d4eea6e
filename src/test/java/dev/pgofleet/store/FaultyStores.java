package dev.pgofleet.store;

import dev.pgofleet.pprof.DecodeLimits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

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
}
