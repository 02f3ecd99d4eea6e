package dev.pgofleet.store;

import dev.pgofleet.config.ServiceName;
import dev.pgofleet.pprof.DecodeLimits;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every service of the collector, each with its own store, merges (own cache and ETag) and
 * compactor (own rollups, retention and size limit, compaction backlog). The default service is
 * the store opened at the root directory; the others come from {@link ServiceStores}, opened at
 * start for every service stored before and created by a service's first accepted submit
 * ({@link #create}), never by a merge. What would be per-service threads is shared: the merge
 * threads (each service's merges still one at a time), the decoding pools of merges and of
 * compaction, and one {@link CompactionScheduler} for all compactors.
 */
public final class Services implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Services.class);

    /** One service: its store and what works on it. */
    public record Service(String name, ProfileStore store, MergeService merges, Compactor compactor, PartialFolds partials) {}

    /** What every service's merges and compaction are set up with (the PGOF_* settings). */
    public record Settings(DecodeLimits limits, Duration retention, long maxStoreBytes, int decodeThreads, int maxServices,
                           Duration compactInterval, LongSupplier clock, BooleanSupplier submitsBusy, int foldQueue,
                           boolean compacting) {
        public Settings(DecodeLimits limits, Duration retention, long maxStoreBytes, int decodeThreads, int maxServices,
                        Duration compactInterval, LongSupplier clock, BooleanSupplier submitsBusy) {
            this(limits, retention, maxStoreBytes, decodeThreads, maxServices, compactInterval, clock, submitsBusy, 256, true);
        }
    }

    private final ServiceStores stores;
    private final Settings settings;
    private final ExecutorService mergePool, mergeDecode, compactDecode;
    private final PartialFolds.Shared folds;
    private final ConcurrentHashMap<String, Service> byName = new ConcurrentHashMap<>();
    /** Sorted by name; replaced whole on each creation, read without a lock. */
    private volatile List<Service> sorted = List.of();
    private final CompactionScheduler scheduler;
    /** Finds the services other replicas created (stores shared with other processes only). */
    private final ScheduledExecutorService discovery = Executors.newSingleThreadScheduledExecutor(Threads.named("services"));
    static final long DISCOVER_EVERY_SECONDS = 10;
    private volatile Consumer<Service> onCreate = s -> {};

    private Services(ProfileStore defaultStore, ServiceStores stores, Settings settings) {
        this.stores = stores;
        this.settings = settings;
        int threads = Math.max(1, settings.decodeThreads());
        // Merges of different services run side by side, each service's one at a time.
        this.mergePool = Executors.newFixedThreadPool(Math.max(2, threads), Threads.named("merge"));
        this.mergeDecode = Executors.newFixedThreadPool(threads, Threads.named("merge-decode"));
        this.compactDecode = Executors.newFixedThreadPool(threads, Threads.named("compact-decode"));
        // Accepted profiles are folded as decoded at submit; an eighth of the heap holds them until compaction.
        this.folds = new PartialFolds.Shared(threads, settings.foldQueue(), Runtime.getRuntime().maxMemory() / 8);
        add(ServiceName.DEFAULT, defaultStore);
        this.scheduler = new CompactionScheduler(() -> sorted.stream()
                .map(s -> new CompactionScheduler.Entry(s.name(), s.compactor()::passQuietly, s.store()::unfoldedCount,
                        s.compactor().eagerBacklog())).toList(), settings.compactInterval());
    }

    /**
     * The services: {@code defaultStore} (already open; closed with the rest) and every service
     * {@code stores} holds. Starts the compaction of all of them.
     */
    public static Services open(ProfileStore defaultStore, ServiceStores stores, Settings settings) throws IOException {
        Services s = new Services(defaultStore, stores, settings);
        try {
            for (String name : stores.existing()) {
                if (!name.equals(ServiceName.DEFAULT)) {
                    s.add(name, stores.open(name));
                }
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        if (s.count() > 1) {
            log.info("opened {} services", s.count());
        }
        if (settings.compacting()) {
            s.scheduler.start();
        }
        if (stores.sharedWithOtherProcesses()) {
            s.discovery.scheduleWithFixedDelay(s::discoverQuietly, DISCOVER_EVERY_SECONDS, DISCOVER_EVERY_SECONDS, TimeUnit.SECONDS);
        }
        return s;
    }

    private Service add(String name, ProfileStore store) {
        MergeService merges = new MergeService(store, settings.limits(), settings.decodeThreads(), mergeDecode, mergePool,
                "merge-" + name);
        Compactor compactor = new Compactor(store, settings.limits(), settings.retention(), settings.maxStoreBytes(),
                settings.decodeThreads(), settings.clock(), settings.submitsBusy(), compactDecode);
        PartialFolds partials = new PartialFolds(folds);
        compactor.usePartials(partials);
        if (settings.compacting()) {
            merges.useCompactor(compactor);
        }
        Service s = new Service(name, store, merges, compactor, partials);
        byName.put(name, s);
        List<Service> next = new ArrayList<>(sorted);
        next.add(s);
        next.sort(Comparator.comparing(Service::name));
        sorted = List.copyOf(next);
        return s;
    }

    /** The service, or null while it does not exist. Never blocks (event loops call it). */
    public Service get(String name) {
        return byName.get(name);
    }

    /** The default service (the store at the root directory). */
    public Service defaultService() {
        return byName.get(ServiceName.DEFAULT);
    }

    /**
     * The service, created (its store made durable) if it does not exist yet: for an accepted
     * submit only, off any event loop. Creations are serialized, so PGOF_MAX_SERVICES holds exactly.
     *
     * @throws ServiceLimitException when it would be one service more than PGOF_MAX_SERVICES (nothing is created)
     */
    public Service create(String name) throws IOException, ServiceLimitException {
        Service s = byName.get(name);
        if (s != null) {
            return s;
        }
        synchronized (this) {
            s = byName.get(name);
            if (s != null) {
                return s;
            }
            if (byName.size() >= settings.maxServices()) {
                throw new ServiceLimitException("too many services: this collector holds " + byName.size()
                        + ", its limit (PGOF_MAX_SERVICES); service " + name + " was not created");
            }
            s = add(name, stores.open(name));
        }
        onCreate.accept(s);
        return s;
    }

    /** Opens the services that other collectors on the same storage created since the last look. */
    void discover() throws IOException {
        for (String name : stores.existing()) {
            if (byName.containsKey(name)) {
                continue;
            }
            Service s;
            synchronized (this) {
                if (byName.containsKey(name)) {
                    continue;
                }
                s = add(name, stores.open(name));
            }
            log.info("opened service {}, created by another collector", name);
            onCreate.accept(s);
        }
    }

    private void discoverQuietly() {
        try {
            discover();
        } catch (IOException | RuntimeException e) {
            log.warn("could not look for services created by other collectors (next look in {} s): {}", DISCOVER_EVERY_SECONDS,
                    e.getMessage());
        }
    }

    /** Called with each service created from now on (metrics start its series). */
    public void onCreate(Consumer<Service> listener) {
        this.onCreate = listener;
    }

    /** Every service, sorted by name. */
    public List<Service> all() {
        return sorted;
    }

    public int count() {
        return byName.size();
    }

    /** Stops compaction, lets merges and queued writes end, then closes every store. */
    @Override
    public void close() {
        discovery.shutdownNow();
        Threads.awaitTermination(discovery, 10, TimeUnit.SECONDS);
        if (scheduler != null) {
            scheduler.close();
        }
        for (Service s : sorted) {
            s.compactor().close();
            s.partials().close();
            s.merges().close();
        }
        stores.finishWrites();
        for (Service s : sorted) {
            s.store().close();
        }
        stores.close();
        mergePool.shutdownNow();
        mergeDecode.shutdownNow();
        compactDecode.shutdownNow();
        folds.close();
    }
}
