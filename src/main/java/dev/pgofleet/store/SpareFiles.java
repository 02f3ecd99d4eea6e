package dev.pgofleet.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Raw files a rollup retired, kept for later submits to overwrite, as databases recycle their log
 * segments: a write into a spare allocates no inode and the retire unlinks nothing. On ext4
 * without a journal a new inode is searched past every inode freed in the last minute, which at
 * a sustained 2,000 submits a second was the largest kernel cost of a submit.
 *
 * <p>A spare is a temp file ({@code .tmp-spare-<n>}): never listed, removed at start. There are
 * at most {@link #MAX} per store, each a raw profile that was stored until the rollup (rollups
 * are deleted), so spares do not raise the store's peak disk use.
 */
final class SpareFiles {
    static final String PREFIX = ProfileStore.TEMP_PREFIX + "spare-";
    /** One eager rollup's inputs ({@link Compactor}): what the submits until the next pass can use. */
    static final int MAX = 2048;

    private final Path dir;
    private final int max;
    private final Queue<Path> spares = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong names = new AtomicLong();

    SpareFiles(Path dir) {
        this(dir, MAX);
    }

    SpareFiles(Path dir, int max) {
        this.dir = dir;
        this.max = max;
    }

    /** A spare to overwrite, or null when there is none. */
    Path take() {
        Path p = spares.poll();
        if (p != null) {
            count.decrementAndGet();
        }
        return p;
    }

    /**
     * Takes {@code name} out of the store: a raw file is renamed to a spare while there is room;
     * anything else (a rollup, of any size) or a raw file past the limit is deleted. Either is
     * durable once the directory is fsync'd.
     */
    void retire(String name) throws IOException {
        Path p = dir.resolve(name);
        if (count.get() >= max || StoredFile.of(p).kind() != StoredFile.Kind.RAW) {
            Files.deleteIfExists(p);
            return;
        }
        Path spare = dir.resolve(PREFIX + names.incrementAndGet());
        try {
            Files.move(p, spare, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException gone) {
            return;
        }
        count.incrementAndGet();
        spares.add(spare);
    }

    int count() {
        return count.get();
    }
}
