package dev.pgofleet.store.s3;

import dev.pgofleet.config.StorageSettings;
import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.store.IoReason;
import dev.pgofleet.store.ProfileStore;
import dev.pgofleet.store.RawNames;
import dev.pgofleet.store.StorageException;
import dev.pgofleet.store.StoreOpenException;
import dev.pgofleet.store.StoredFile;
import dev.pgofleet.store.Threads;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The profiles in an S3 bucket under a prefix, shared by several collector replicas. Object names
 * are {@link StoredFile} names, so a listing sorts in arrival order; a raw name carries a random
 * per-process boot id of 8 bytes, so replicas never collide. A submit is acknowledged once its
 * PUT returned success.
 *
 * <p>Replacements (rollups, and_combine) are written by the one replica that compacts
 * ({@code PGOF_COMPACTOR=on}): the sidecar {@code <name>.covers} first, then the object (the
 * commit point), then the covered objects are deleted ({@link Covers}). Readers skip covered
 * objects, and a merge whose input vanished under it lists again. A raw profile counts as
 * settled (may be folded) only once it is older than {@code PGOF_S3_SETTLE}, since another
 * replica's write may land after later names; a new process makes no replacement before that
 * long either, so a PUT still in flight from a killed predecessor has landed first.
 */
public final class S3Store implements ProfileStore {
    private static final Logger log = LoggerFactory.getLogger(S3Store.class);
    static final String COVERS = ".covers";
    private static final int DELETE_BATCH = 1000;

    private final S3Objects objects;
    private final String location;
    private final RawNames names = new RawNames(8);
    private final boolean replaces;
    private final long settleMillis;
    /** How long covered objects stay after their replacement was made (readers that listed them may still read them). */
    private final long graceMillis;
    private final long openedAt;
    private final LongSupplier clock;
    private final ThreadPoolExecutor io;
    private final ScheduledExecutorService refresher;
    private final ReentrantReadWriteLock files = new ReentrantReadWriteLock();
    private final ReentrantLock maintenance = new ReentrantLock();
    private final AtomicLong generation = new AtomicLong();
    private final Map<String, List<String>> coversCache = new ConcurrentHashMap<>();
    private final AtomicBoolean combineLogged = new AtomicBoolean();
    private final String probe;
    private volatile Counts counts = new Counts(0, 0, 0, 0);
    private long lastMade; // guarded by maintenance

    private record Counts(long files, long profiles, long bytes, long waiting) {}

    /** A listing: stored objects with their sizes, the sidecars present, and when each sidecar was written. */
    /** Objects of submits that failed after their PUT may have landed; never listed here, deleted when the bucket answers. */
    private final Set<String> withdrawn = ConcurrentHashMap.newKeySet();

    private record Listing(Map<String, Long> stored, Map<String, Long> sidecars) {}

    private S3Store(S3Objects objects, String location, boolean replaces, long settleMillis, int ioThreads, int ioQueue,
                    LongSupplier clock) {
        this.objects = objects;
        this.location = location;
        this.replaces = replaces;
        this.settleMillis = settleMillis;
        this.graceMillis = settleMillis;
        this.clock = clock;
        this.openedAt = clock.getAsLong();
        this.probe = ".probe-" + names.boot();
        this.io = new ThreadPoolExecutor(ioThreads, ioThreads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(ioQueue),
                Threads.named("store-io"), new ThreadPoolExecutor.AbortPolicy());
        this.refresher = Executors.newSingleThreadScheduledExecutor(Threads.named("store-refresh"));
    }

    /**
     * Opens the store at {@code settings} and checks that the bucket is reachable and writable (a
     * probe object is written and deleted); fails with one line naming PGOF_STORAGE otherwise.
     * {@code replaces}: this replica compacts, so it alone writes replacements.
     */
    public static S3Store open(StorageSettings settings, boolean replaces, int ioThreads, int ioQueue) throws IOException {
        S3Client client;
        try {
            client = S3Clients.build(settings);
        } catch (SdkException | IllegalArgumentException e) {
            throw new StoreOpenException(StorageSettings.STORAGE + "=" + settings.location() + ": cannot set up the S3 client: "
                    + S3Objects.why(e));
        }
        return open(new S3Objects(client, settings.bucket(), settings.prefix()), settings.location(), replaces,
                settings.settle().toMillis(), ioThreads, ioQueue, System::currentTimeMillis);
    }

    static S3Store open(S3Objects objects, String location, boolean replaces, long settleMillis, int ioThreads, int ioQueue,
                        LongSupplier clock) throws IOException {
        S3Store store = new S3Store(objects, location, replaces, settleMillis, ioThreads, ioQueue, clock);
        try {
            objects.put(store.probe, new byte[] {1});
            objects.delete(store.probe);
            store.list();
        } catch (IOException e) {
            store.close();
            throw new StoreOpenException(StorageSettings.STORAGE + "=" + location + ": the bucket is not reachable or not writable: "
                    + e.getMessage() + " (check " + StorageSettings.ENDPOINT + ", " + StorageSettings.REGION + " and the credentials)");
        }
        // Counters for metrics and the compaction lag, also on replicas that neither merge nor compact.
        long every = Math.max(1000, Math.min(10_000, settleMillis));
        store.refresher.scheduleWithFixedDelay(store::refreshQuietly, every, every, TimeUnit.MILLISECONDS);
        log.info("S3 store {}: this replica {} compaction, retention and replacements", location, replaces ? "runs" : "leaves to another");
        return store;
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public Map<String, Long> requests() {
        return objects.requests();
    }

    // --- the submit path

    /**
     * {@inheritDoc} Never calls {@code onDurable}: a rollup here is always made from the objects,
     * which other replicas write too, so no profile is folded at submit on S3.
     */
    @Override
    public CompletableFuture<Path> store(byte[] bytes, Consumer<Path> onDurable) {
        return store(bytes);
    }

    @Override
    public CompletableFuture<Path> store(byte[] bytes) {
        StoredFile name = names.next(Path.of(""));
        String key = name.path().toString();
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    objects.put(key, bytes);
                } catch (IOException e) {
                    // The PUT may have landed before it failed (a lost answer, then a retry that found no server): the
                    // client is told nothing was stored, so it goes.
                    try {
                        objects.delete(key);
                    } catch (IOException again) {
                        // Left out of this replica's listings until a later delete succeeds (the refresher retries).
                        withdrawn.add(key);
                        log.warn("could not store {} ({}) nor make sure it is absent ({}): left out of merges here and "
                                + "deleted once the bucket answers", key, e.getMessage(), again.getMessage());
                    }
                    throw new CompletionException(new StorageException("cannot store profile: " + e.getMessage(), e));
                }
                generation.incrementAndGet();
                adjust(1, 1, bytes.length, 1);
                return name.path();
            }, io).whenComplete((p, e) -> names.done(name));
        } catch (RejectedExecutionException e) {
            names.done(name);
            throw e;
        }
    }

    @Override
    public CompletableFuture<Void> checkWritable() {
        return CompletableFuture.runAsync(() -> {
            try {
                objects.put(probe, new byte[] {1});
            } catch (IOException e) {
                throw new CompletionException(new StorageException(location + ": " + IoReason.of(e), e));
            }
        }, io);
    }

    // --- what is stored

    /** A store other processes change cannot tell without listing: every call differs, so each merge lists (and its cache compares listings). */
    @Override
    public long generation() {
        return generation.incrementAndGet();
    }

    @Override
    public byte[] read(Path item, long limit) throws IOException, InvalidProfileException {
        return objects.get(item.toString(), limit);
    }

    @Override
    public List<Path> snapshot() throws IOException {
        return list().stream().map(StoredFile::path).toList();
    }

    @Override
    public List<StoredFile> list() throws IOException {
        Listing l = listing();
        Covers c = resolve(l);
        long profiles = 0, bytes = 0, waiting = 0;
        List<StoredFile> out = new ArrayList<>(c.live().size());
        for (String name : c.live()) {
            StoredFile f = StoredFile.of(Path.of(name));
            out.add(f);
            profiles += f.profiles();
            bytes += l.stored().get(name);
            waiting += f.kind() == StoredFile.Kind.RAW ? 1 : 0;
        }
        synchronized (this) {
            counts = new Counts(out.size(), profiles, bytes, waiting);
        }
        return out;
    }

    /** Deletes the objects of failed submits that may have landed anyway; each stays left out until then. */
    private void deleteWithdrawn() {
        for (String key : withdrawn) {
            try {
                objects.delete(key);
                withdrawn.remove(key);
                log.info("deleted {}, whose submit had failed (the client was told to retry)", key);
            } catch (IOException e) {
                return; // the bucket still does not answer: the next refresh tries again
            }
        }
    }

    private void refreshQuietly() {
        try {
            deleteWithdrawn();
            list();
            // What a replacement covers goes after the grace period, also when no further replacement comes.
            if (replaces && settleLine() != Long.MIN_VALUE && maintenance.tryLock()) {
                try {
                    sweep();
                } finally {
                    maintenance.unlock();
                }
            }
        } catch (IOException | RuntimeException e) {
            log.debug("could not list the store for its counters: {}", e.getMessage());
        }
    }

    private Listing listing() throws IOException {
        Map<String, Long> stored = new HashMap<>(), sidecars = new HashMap<>();
        for (S3Object o : objects.list()) {
            String name = o.key().substring(objects.prefix().length());
            if (name.startsWith(".") || withdrawn.contains(name)) {
                continue;
            }
            if (name.endsWith(StoredFile.SUFFIX)) {
                stored.put(name, o.size());
            } else if (name.endsWith(StoredFile.SUFFIX + COVERS)) {
                sidecars.put(name.substring(0, name.length() - COVERS.length()), o.lastModified().toEpochMilli());
            }
        }
        return new Listing(stored, sidecars);
    }

    private Covers resolve(Listing l) throws IOException {
        Map<String, List<String>> covers = new HashMap<>();
        for (String r : l.sidecars().keySet()) {
            if (l.stored().containsKey(r)) {
                List<String> c = coversOf(r);
                if (c != null) {
                    covers.put(r, c);
                }
            }
        }
        return Covers.resolve(l.stored().keySet(), covers);
    }

    /** A replacement's sidecar: immutable once written, so read once; null if it is gone. */
    private List<String> coversOf(String replacement) throws IOException {
        List<String> c = coversCache.get(replacement);
        if (c == null) {
            try {
                String text = new String(objects.get(replacement + COVERS, Integer.MAX_VALUE - 8), StandardCharsets.UTF_8);
                c = text.lines().filter(s -> !s.isBlank()).toList();
            } catch (ParallelFold.Vanished gone) {
                return null;
            } catch (InvalidProfileException e) {
                throw new IOException(e.getMessage(), e);
            }
            coversCache.put(replacement, c);
        }
        return c;
    }

    /** Never settled before a killed predecessor's writes have landed, nor younger than the settle margin. */
    private long settleLine() {
        long now = clock.getAsLong();
        return now < openedAt + settleMillis ? Long.MIN_VALUE : now - settleMillis;
    }

    @Override
    public long settledMillis() {
        return Math.min(names.settledMillis(), settleLine());
    }

    @Override
    public boolean isSettled(StoredFile raw) {
        return raw.fromMillis() < settleLine() && names.isSettled(raw);
    }

    @Override
    public boolean isPending(StoredFile f) {
        return names.isPending(f);
    }

    @Override
    public RawNames names() {
        return names;
    }

    // --- changes

    @Override
    public Lock readLock() {
        return files.readLock();
    }

    @Override
    public Lock maintenanceLock() {
        return maintenance;
    }

    @Override
    public boolean quarantine(Path file, String reason) {
        String name = file.toString();
        try {
            objects.copy(name, "quarantine/" + name);
            objects.delete(name);
        } catch (IOException e) {
            log.error("stored profile {} is unreadable ({}) and could not be quarantined: {}", name, reason, e.getMessage());
            return true;
        }
        generation.incrementAndGet();
        log.error("quarantined stored profile {}: {} (moved to {}quarantine/)", name, reason, location);
        return true;
    }

    /** Replaces {@code inputs} by their merge; on a replica that does not compact, leaves the store as it is and returns null. */
    @Override
    public Path combine(List<Path> inputs, byte[] merged) throws IOException {
        if (!replaces || settleLine() == Long.MIN_VALUE) {
            if (combineLogged.compareAndSet(false, true)) {
                log.info("and_combine: the merge is answered; replacing the stored profiles is left to the replica that compacts"
                        + " (PGOF_COMPACTOR=on), once {} ms after its start", settleMillis);
            }
            return null;
        }
        long profiles = StoredFile.profiles(inputs.stream().map(StoredFile::of).toList());
        long made = nextMade();
        return replace(inputs, merged, StoredFile.combined(made, names.boot(), profiles));
    }

    @Override
    public Path rollup(long from, long to, List<Path> inputs, byte[] merged) throws IOException {
        if (!replaces) {
            throw new StorageException("this replica does not compact (PGOF_COMPACTOR=off)", null);
        }
        long profiles = StoredFile.profiles(inputs.stream().map(StoredFile::of).toList());
        return replace(inputs, merged, StoredFile.rollup(from, to, nextMade(), profiles));
    }

    /** Replacement names never repeat within this process (they carry the making millis). */
    private long nextMade() {
        lastMade = Math.max(lastMade + 1, clock.getAsLong());
        return lastMade;
    }

    /** Sidecar, then the object (commit point), then the covered objects go. */
    private Path replace(List<Path> inputs, byte[] merged, String name) throws IOException {
        StringBuilder covers = new StringBuilder();
        inputs.forEach(p -> covers.append(p).append('\n'));
        try {
            objects.put(name + COVERS, covers.toString().getBytes(StandardCharsets.UTF_8));
            objects.put(name, merged);
        } catch (IOException e) {
            throw new StorageException("cannot write " + name + ": " + e.getMessage(), e);
        }
        coversCache.put(name, inputs.stream().map(Path::toString).toList());
        generation.incrementAndGet();
        sweep();
        return Path.of(name);
    }

    /**
     * Deletes what no reader counts any more, in an order that keeps every listing exact: void
     * replacements; covered raw profiles; then each covered replacement once nothing it covers
     * is left, and only then its sidecar; sidecars whose object never came (older than the settle margin).
     */
    void sweep() throws IOException {
        Listing l = listing();
        Covers c = resolve(l);
        // Covered objects stay for a grace period after their replacement was made, so a merge that listed them just
        // before reads them all: any listing shows either the state before a replacement or the state after it.
        long graceBefore = clock.getAsLong() - graceMillis;
        Set<String> expired = new HashSet<>();
        for (String r : l.sidecars().keySet()) {
            if (l.stored().containsKey(r) && StoredFile.of(Path.of(r)).madeMillis() <= graceBefore) {
                List<String> covered = coversOf(r);
                if (covered != null && !c.voided().contains(r)) {
                    expired.addAll(covered);
                }
            }
        }
        c = new Covers(c.live(), expired.isEmpty() ? Set.of() : c.covered().stream().filter(expired::contains)
                .collect(java.util.stream.Collectors.toSet()), c.voided().stream()
                .filter(v -> StoredFile.of(Path.of(v)).madeMillis() <= graceBefore).collect(java.util.stream.Collectors.toSet()));
        Set<String> present = new HashSet<>(l.stored().keySet());
        List<String> gone = new ArrayList<>();
        Covers done = c;
        for (String v : c.voided()) {
            log.warn("deleting {}: it covers profiles an earlier replacement already holds (a replica died while writing it)", v);
            gone.add(v);
        }
        for (String n : c.covered()) {
            if (present.contains(n) && !l.sidecars().containsKey(n)) {
                gone.add(n);
            }
        }
        deleteAll(gone);
        present.removeAll(gone);
        List<String> sidecars = new ArrayList<>();
        c.voided().forEach(v -> sidecars.add(v + COVERS));
        boolean progress = true;
        while (progress) {
            progress = false;
            for (String n : c.covered()) {
                List<String> inner = l.sidecars().containsKey(n) ? coversOf(n) : null;
                if (present.contains(n) && (inner == null || inner.stream().noneMatch(present::contains))) {
                    objects.delete(n);
                    present.remove(n);
                    sidecars.add(n + COVERS);
                    progress = true;
                }
            }
        }
        long orphanBefore = clock.getAsLong() - 2 * settleMillis;
        l.sidecars().forEach((n, written) -> {
            if (!present.contains(n) && !done.voided().contains(n) && written < orphanBefore) {
                sidecars.add(n + COVERS);
            }
        });
        deleteAll(sidecars);
        sidecars.forEach(s -> coversCache.remove(s.substring(0, s.length() - COVERS.length())));
        if (!gone.isEmpty()) {
            generation.incrementAndGet();
        }
    }

    private void deleteAll(List<String> names) throws IOException {
        for (int i = 0; i < names.size(); i += DELETE_BATCH) {
            objects.deleteAll(names.subList(i, Math.min(names.size(), i + DELETE_BATCH)));
        }
    }

    /** Retention: the object, after anything it still covers, then its sidecar. */
    @Override
    public void delete(StoredFile f) throws IOException {
        String name = f.path().toString();
        List<String> inner = coversCache.containsKey(name) || f.kind() != StoredFile.Kind.RAW ? coversOf(name) : null;
        if (inner != null) {
            deleteAll(inner);
        }
        objects.delete(name);
        if (inner != null) {
            objects.delete(name + COVERS);
            coversCache.remove(name);
        }
        generation.incrementAndGet();
        adjust(-1, -f.profiles(), 0, f.kind() == StoredFile.Kind.RAW ? -1 : 0);
    }

    /** This process's own changes, between listings (which count from scratch). */
    private synchronized void adjust(long files, long profiles, long bytes, long waiting) {
        Counts c = counts;
        counts = new Counts(c.files + files, c.profiles + profiles, c.bytes + bytes, c.waiting + waiting);
    }

    // --- counters, from the latest listing and this process's own writes

    @Override
    public long storedCount() {
        return counts.files;
    }

    @Override
    public long storedProfiles() {
        return counts.profiles;
    }

    @Override
    public long storedBytes() {
        return counts.bytes;
    }

    @Override
    public long unfoldedCount() {
        return counts.waiting;
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        io.shutdown();
        Threads.awaitTermination(io, 30, TimeUnit.SECONDS);
        try {
            objects.delete(probe);
        } catch (IOException e) {
            log.debug("could not delete the readiness probe {}: {}", probe, e.getMessage());
        }
        objects.close();
    }
}
