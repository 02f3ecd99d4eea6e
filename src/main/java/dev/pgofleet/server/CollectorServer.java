package dev.pgofleet.server;

import dev.pgofleet.config.CollectorConfig;
import dev.pgofleet.config.ConfigException;
import dev.pgofleet.config.NetworkTransport;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.store.DiskServiceStores;
import dev.pgofleet.store.MergeService;
import dev.pgofleet.store.ProfileStore;
import dev.pgofleet.store.ServiceStores;
import dev.pgofleet.store.Services;
import dev.pgofleet.store.Threads;
import dev.pgofleet.store.s3.S3ServiceStores;
import dev.pgofleet.store.s3.S3Store;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector: a Netty HTTP server in front of a bounded worker pool (parse and validate) and the
 * {@link Services}, each a durable {@link ProfileStore} with its {@link MergeService} and compactor.
 * No blocking work runs on an event loop.
 */
public final class CollectorServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CollectorServer.class);

    private final CollectorConfig config;
    private final ProfileStore store;
    private final Services services;
    private final ThreadPoolExecutor workers;
    private final ThreadPoolExecutor metricsThread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(8), Threads.named("metrics"), new ThreadPoolExecutor.AbortPolicy());
    private final EventLoopGroup boss;
    private final EventLoopGroup io;
    private final Channel channel;
    private final Transport transport;
    /** Every open connection: a graceful stop drains them before the workers and the store stop. */
    private final ChannelGroup connections = new DefaultChannelGroup("connections", GlobalEventExecutor.INSTANCE);
    private final KeyReloader keyReloader;

    /** How the collector opens its store: {@link ProfileStore#open}; tests pass one that injects faults. */
    @FunctionalInterface
    interface StoreOpener {
        ProfileStore open(Path dir, int ioThreads, int ioQueue, DecodeLimits limits) throws IOException;
    }

    private CollectorServer(CollectorConfig config, AuthKeys keys, StoreOpener opener)
            throws IOException, InterruptedException, ConfigException {
        this.config = config;
        this.transport = Transport.of(config.transport());
        DecodeLimits limits = new DecodeLimits(config.maxBodyBytes(), config.maxDecompressedBytes());
        int ioQueue = Math.max(64, config.workerQueue() * 4);
        this.store = opener.open(config.directory(), config.ioThreads(), ioQueue, limits);
        this.workers = new ThreadPoolExecutor(config.workerThreads(), config.workerThreads(), 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(config.workerQueue()), Threads.named("worker"), new ThreadPoolExecutor.AbortPolicy());
        // Compaction uses the cores submits leave idle (see Compactor): a burst is taken at full rate.
        Services.Settings settings = new Services.Settings(limits, config.retention(), config.maxStoreBytes(), config.workerThreads(),
                config.maxServices(), config.compactInterval(), System::currentTimeMillis,
                () -> workers.getActiveCount() >= config.workerThreads() || !workers.getQueue().isEmpty(), config.workerQueue() * 4,
                config.compactor());
        ServiceStores others;
        try {
            others = config.storage().isS3()
                    ? new S3ServiceStores(config.storage(), config.compactor(), config.ioThreads(), ioQueue)
                    : new DiskServiceStores(config.directory(), config.ioThreads(), ioQueue, limits);
        } catch (IOException | RuntimeException e) {
            workers.shutdownNow();
            store.close();
            throw e;
        }
        try {
            this.services = Services.open(store, others, settings); // closes what it opened, the store too, when it fails
        } catch (IOException | RuntimeException e) {
            workers.shutdownNow();
            throw e;
        }
        InFlightBudget inFlight = new InFlightBudget(config.maxInFlightBytes());
        CollectorMetrics metrics = new CollectorMetrics(inFlight, workers, services);
        metrics.watchQuarantine(() -> services.all().stream().mapToLong(s -> s.merges().quarantinedSubmitted()
                        + s.compactor().quarantinedSubmitted()).sum(),
                () -> services.all().stream().mapToLong(s -> s.merges().quarantinedOwn() + s.compactor().quarantinedOwn()).sum());
        Function<String, MergeService> mergesOf = name -> {
            Services.Service s = services.get(name);
            return s == null ? null : s.merges();
        };
        ServerContext context = new ServerContext(config, keys, inFlight,
                new SubmitHandler(workers, services, limits, config.retryAfterSeconds(), metrics, config.maxCompactionLag()),
                new MergeHandler(services, config.retryAfterSeconds(), metrics, config.pgoExclude()), new ReadyHandler(store),
                new MetricsHandler(metrics, metricsThread), new SummaryHandler(mergesOf, config.retryAfterSeconds(), config.pgoExclude()),
                new FlameGraphHandler(mergesOf, config.retryAfterSeconds(), config.pgoExclude()),
                new ServicesHandler(services, metricsThread, config.retryAfterSeconds()), new UiHandler(), metrics, connections);
        this.boss = new MultiThreadIoEventLoopGroup(1, transport.handlers());
        // One event loop per core (Netty's default is two): they only move bytes, and a second per core
        // added wake-ups and no throughput under a sustained load (bench/README.md).
        this.io = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), transport.handlers());
        this.keyReloader = new KeyReloader(keys, config, config.keyReloadInterval());
        metrics.watchKeyReloads(keyReloader::failures);
        metrics.watchStorageRequests(store::requests);
        try {
            this.channel = new ServerBootstrap()
                    .group(boss, io)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new CollectorInitializer(context))
                    .bind(config.bindAddress().toSocketAddress()).sync().channel();
        } catch (Exception e) { // also a BindException, which Netty's sync() throws undeclared
            shutdownQuietly();
            Transport.throwIfBindFailure(e);
            throw e;
        }
    }

    /** Opens the store (recovering it if needed) and starts listening. */
    public static CollectorServer start(CollectorConfig config, AuthKeys keys)
            throws IOException, InterruptedException, ConfigException {
        return start(config, keys, config.storage().isS3()
                ? (dir, ioThreads, ioQueue, limits) -> S3Store.open(config.storage(), config.compactor(), ioThreads, ioQueue)
                : ProfileStore::open);
    }

    /** As {@link #start(CollectorConfig, AuthKeys)}, with the store opened by {@code opener}. */
    static CollectorServer start(CollectorConfig config, AuthKeys keys, StoreOpener opener)
            throws IOException, InterruptedException, ConfigException {
        CollectorServer s = new CollectorServer(config, keys, opener);
        log.info("collector listening on {} ({}), storing in {}", s.address(), s.transport.kind(), s.store.location());
        return s;
    }

    /** The transport the event loops run on. */
    NetworkTransport transport() {
        return transport.kind();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** The default service's store (the one at PGOF_DIRECTORY). */
    public ProfileStore store() {
        return store;
    }

    public Services services() {
        return services;
    }

    /**
     * Graceful stop: no new connections, in-flight work and writes finish (within the shutdown
     * timeout), their answers are sent, then the event loops stop.
     */
    @Override
    public void close() {
        long deadline = System.nanoTime() + config.shutdownTimeout().toNanos();
        channel.close().syncUninterruptibly();
        // Drain: an idle connection closes now; one whose request is being worked on gets its answer
        // (with Connection: close, see Responses) and then closes. Workers and the store run meanwhile.
        for (Channel ch : connections) {
            ch.eventLoop().execute(() -> {
                if (!PipeliningHandler.isWorking(ch)) {
                    ch.close();
                }
            });
        }
        connections.newCloseFuture().awaitUninterruptibly(Math.max(1, remaining(deadline) / 1_000_000));
        keyReloader.close();
        workers.shutdown();
        metricsThread.shutdown();
        Threads.awaitTermination(workers, remaining(deadline), TimeUnit.NANOSECONDS);
        services.close();
        // Let the event loops flush the last answers before they stop.
        io.shutdownGracefully(200, Math.max(200, remaining(deadline) / 1_000_000), TimeUnit.MILLISECONDS)
                .awaitUninterruptibly();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        log.info("collector stopped");
    }

    /** Rereads the key files now (what SIGHUP does). */
    public void reloadKeys() {
        keyReloader.reloadNow();
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    private void shutdownQuietly() {
        keyReloader.close();
        workers.shutdownNow();
        metricsThread.shutdownNow();
        services.close();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
