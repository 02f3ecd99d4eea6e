package dev.pgofleet.store;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Names of raw submits ({@code <receivedMillis>-<seq>-<boot>.pprof}) and which of them are still
 * being written: names never go backwards, even if the clock does, and the compactor stays below
 * the first name still in flight, so no later-stored profile can sort before a rollup's content.
 */
public final class RawNames {
    private final String boot;
    /** This boot's raw names not yet stored or failed, sequence number to millis. */
    private final ConcurrentSkipListMap<Long, Long> inFlight = new ConcurrentSkipListMap<>();
    private long lastMillis, lastSeq; // guarded by this

    RawNames() {
        this(3);
    }

    /** With a random boot id of {@code bootBytes} bytes: stores shared by replicas take more, so that no two collide. */
    public RawNames(int bootBytes) {
        byte[] b = new byte[bootBytes];
        new SecureRandom().nextBytes(b);
        this.boot = HexFormat.of().formatHex(b);
    }

    public String boot() {
        return boot;
    }

    /** New names sort after {@code millis} (what the store held at start). */
    public synchronized void notBefore(long millis) {
        lastMillis = Math.max(lastMillis, millis);
    }

    /** The next name, registered as in flight until {@link #done}. */
    public synchronized StoredFile next(java.nio.file.Path dir) {
        lastMillis = Math.max(lastMillis, System.currentTimeMillis());
        lastSeq++;
        inFlight.put(lastSeq, lastMillis);
        return StoredFile.of(dir.resolve(StoredFile.raw(lastMillis, lastSeq, boot)));
    }

    public void done(StoredFile f) {
        inFlight.remove(f.seq());
    }

    /** Every raw profile stored from now on will have a receive time at or after this. */
    public synchronized long settledMillis() {
        var first = inFlight.firstEntry();
        return first != null ? first.getValue() : Math.max(lastMillis, System.currentTimeMillis());
    }

    /** True for earlier boots' files and for this boot's below the first name still being written. */
    public synchronized boolean isSettled(StoredFile raw) {
        if (!raw.boot().equals(boot)) {
            return true;
        }
        var first = inFlight.firstEntry();
        return raw.seq() < (first == null ? lastSeq + 1 : first.getKey());
    }

    /**
     * This boot's submits accepted so far: the names issued, less those still being made durable
     * (whose 204 is still to come). A name issued later is not among them either.
     */
    record Mark(long lastSeq, Set<Long> inFlight) {}

    /** The mark of now: a merge takes it as it begins (the names in flight are a few dozen at most under load). */
    synchronized Mark mark() {
        return new Mark(lastSeq, Set.copyOf(inFlight.keySet()));
    }

    /**
     * Whether {@code f} is this boot's raw file whose submit was not accepted at {@code mark}: it
     * began after the mark was taken, or was still being made durable then.
     */
    boolean notAcceptedAt(StoredFile f, Mark mark) {
        return f.kind() == StoredFile.Kind.RAW && f.boot().equals(boot) && (f.seq() > mark.lastSeq || mark.inFlight.contains(f.seq()));
    }

    /** Whether this boot's raw file is still being made durable. */
    public boolean isPending(StoredFile f) {
        return f.kind() == StoredFile.Kind.RAW && f.boot().equals(boot) && inFlight.containsKey(f.seq());
    }
}
