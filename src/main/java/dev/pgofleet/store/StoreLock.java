package dev.pgofleet.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One process per store directory: an OS lock on {@code <dir>/pgo-fleet.lock}, held while the
 * store is open and released by the OS when the process dies (a kill -9 leaves no stale lock).
 * The file holds the holder's pid, so a refused start can name it.
 *
 * <p>The lock held is a shared lock on a read-only descriptor: a descriptor open for writing
 * would keep the filesystem from being remounted read-only. A start takes the exclusive lock
 * (which fails while anyone holds the shared one) to write its pid, then holds the shared lock
 * and checks that the file still names it: of two starts racing for the gap between the two
 * locks, only the last writer goes on.
 */
final class StoreLock implements AutoCloseable {
    static final String NAME = "pgo-fleet.lock";
    /**
     * Directories this JVM holds: checked before opening the file at all, since closing any
     * descriptor of the file would drop this process's OS lock on it (POSIX record locks).
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();
    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;

    private StoreLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    static StoreLock acquire(Path dir) throws IOException {
        Path key = dir.toRealPath(); // one key per directory, whatever link led to it
        if (!HELD.add(key)) {
            throw inUse(dir, "");
        }
        try {
            return lock(dir, key);
        } catch (IOException | RuntimeException e) {
            HELD.remove(key);
            throw e;
        }
    }

    private static StoreLock lock(Path dir, Path key) throws IOException {
        Path file = dir.resolve(NAME);
        String pid = String.valueOf(ProcessHandle.current().pid());
        try (FileChannel rw = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock exclusive = tryLock(rw, false);
            if (exclusive == null) {
                throw inUse(dir, holder(rw));
            }
            rw.truncate(0);
            rw.write(ByteBuffer.wrap((pid + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            rw.force(true);
            exclusive.release();
        }
        FileChannel ro = FileChannel.open(file, StandardOpenOption.READ);
        try {
            FileLock shared = tryLock(ro, true);
            String holder = holder(ro);
            if (shared == null || !holder.equals(pid)) {
                throw inUse(dir, holder);
            }
            return new StoreLock(key, ro, shared);
        } catch (IOException | RuntimeException e) {
            ro.close();
            throw e;
        }
    }

    private static FileLock tryLock(FileChannel ch, boolean shared) throws IOException {
        try {
            return ch.tryLock(0, Long.MAX_VALUE, shared);
        } catch (OverlappingFileLockException sameProcess) {
            return null;
        }
    }

    private static StoreOpenException inUse(Path dir, String holder) {
        return new StoreOpenException("directory " + dir + " is in use by another collector"
                + (holder.isEmpty() || holder.equals(String.valueOf(ProcessHandle.current().pid())) ? "" : " (pid " + holder + ")")
                + ": run one collector process per directory");
    }

    /** The pid the holder wrote, or "" when it cannot be read (the lock still stands). */
    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            ch.read(b, 0);
            String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
            return s.matches("[0-9]{1,19}") ? s : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
            HELD.remove(key);
        }
    }
}
