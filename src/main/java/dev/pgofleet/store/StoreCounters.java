package dev.pgofleet.store;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** What the store holds, for metrics and for the compactor's pace: kept current by every change the store makes. */
final class StoreCounters {
    private final AtomicLong files = new AtomicLong(), profiles = new AtomicLong(), bytes = new AtomicLong(),
            waiting = new AtomicLong();

    /** Counts a listing from scratch. */
    void reset(List<StoreScan.Listed> listed) {
        long f = 0, p = 0, b = 0, w = 0;
        for (StoreScan.Listed l : listed) {
            f++;
            p += l.file().profiles();
            b += l.size();
            w += isWaiting(l.file()) ? 1 : 0;
        }
        files.set(f);
        profiles.set(p);
        bytes.set(b);
        waiting.set(w);
    }

    void added(StoredFile f, long size) {
        change(f, size, 1);
    }

    void removed(StoredFile f, long size) {
        change(f, size, -1);
    }

    private void change(StoredFile f, long size, int sign) {
        files.addAndGet(sign);
        profiles.addAndGet(sign * f.profiles());
        bytes.addAndGet(sign * size);
        if (isWaiting(f)) {
            waiting.addAndGet(sign);
        }
    }

    /** Whether the compactor has yet to fold this file. */
    static boolean isWaiting(StoredFile f) {
        return f.kind() == StoredFile.Kind.RAW;
    }

    long files() {
        return files.get();
    }

    long profiles() {
        return profiles.get();
    }

    long bytes() {
        return bytes.get();
    }

    long waiting() {
        return waiting.get();
    }
}
