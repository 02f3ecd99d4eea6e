package dev.pgofleet.server;

import java.util.concurrent.atomic.AtomicLong;

/** Request bytes held in memory across all connections, bounded so a spike is shed, not an OOM. */
final class InFlightBudget {
    private final long max;
    private final AtomicLong used = new AtomicLong();

    InFlightBudget(long max) {
        this.max = max;
    }

    boolean tryReserve(long bytes) {
        while (true) {
            long u = used.get();
            if (u + bytes > max) {
                return false;
            }
            if (used.compareAndSet(u, u + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    long used() {
        return used.get();
    }
}
