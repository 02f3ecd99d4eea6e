package dev.pgofleet.store;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that runs the compaction passes of every service, fairly: in rounds, each round one
 * bounded pass ({@link Compactor#BATCH} profiles at most) for each service that is due, so a
 * service with a large backlog never holds the thread for more than one pass while another waits.
 * A service is due every {@code interval}, and at once while its eager backlog of profiles wait;
 * rounds repeat while any service took a full batch.
 */
public final class CompactionScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CompactionScheduler.class);

    /**
     * A service: one bounded pass of its compactor ({@link Compactor#passQuietly}: profiles taken),
     * its backlog, and the backlog that makes a pass due at once ({@link Compactor#eagerBacklog}).
     */
    public record Entry(String name, IntSupplier pass, LongSupplier waiting, long eager) {
        public Entry(String name, IntSupplier pass, LongSupplier waiting) {
            this(name, pass, waiting, Compactor.EAGER_BACKLOG);
        }
    }

    private final Supplier<List<Entry>> entries;
    private final long intervalNanos;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(Threads.named("compactor"));
    /** When each service's last pass ended (scheduler thread only). */
    private final Map<String, Long> lastPass = new HashMap<>();
    /** Round robin: the name of the service served last; the next round starts after it (scheduler thread only). */
    private String servedLast = "";
    private volatile boolean closing;

    /** {@code entries}: the services now, sorted by name. */
    public CompactionScheduler(Supplier<List<Entry>> entries, Duration interval) {
        this.entries = entries;
        this.intervalNanos = Math.max(1, interval.toMillis()) * 1_000_000;
    }

    public CompactionScheduler start() {
        long tick = Math.min(Math.max(1, intervalNanos / 1_000_000), 250);
        thread.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Rounds until no due service has a full batch waiting. */
    void tick() {
        try {
            boolean more = true;
            while (more && !closing) {
                more = round();
            }
        } catch (RuntimeException e) {
            // A failed tick must not end the schedule (an exception would cancel it for good).
            log.error("compaction round failed (the next tick retries): {}", IoReason.describe(e));
        }
    }

    /** One round over every due service, starting after the one served last; true when some pass took a full batch. */
    boolean round() {
        List<Entry> all = entries.get();
        int start = 0;
        while (start < all.size() && all.get(start).name().compareTo(servedLast) <= 0) {
            start++;
        }
        boolean full = false;
        for (int i = 0; i < all.size() && !closing; i++) {
            Entry e = all.get((start + i) % all.size());
            long now = System.nanoTime();
            Long last = lastPass.get(e.name());
            if (last == null) {
                lastPass.put(e.name(), now); // first seen now: due after an interval, or sooner with a backlog
                last = now;
            }
            if (now - last >= intervalNanos || e.waiting().getAsLong() >= e.eager()) {
                int taken = passNamed(e);
                lastPass.put(e.name(), System.nanoTime());
                servedLast = e.name();
                full |= taken == Compactor.BATCH;
                if (taken > 0) {
                    log.debug("compaction of service {}: {} profiles taken, {} wait", e.name(), taken, e.waiting().getAsLong());
                }
            }
        }
        return full;
    }

    /** Runs a pass with the thread named for the service, so that its log lines say which one. */
    private static int passNamed(Entry e) {
        Thread t = Thread.currentThread();
        String name = t.getName();
        t.setName("compactor-" + e.name());
        try {
            return e.pass().getAsInt();
        } finally {
            t.setName(name);
        }
    }

    /** Lets the running pass end (passes are bounded) and runs no other. */
    @Override
    public void close() {
        closing = true;
        thread.shutdown();
        Threads.awaitTermination(thread, 60, TimeUnit.SECONDS);
    }
}
