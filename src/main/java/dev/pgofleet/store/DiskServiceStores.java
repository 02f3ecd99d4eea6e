package dev.pgofleet.store;

import dev.pgofleet.config.ServiceName;
import dev.pgofleet.pprof.DecodeLimits;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The services' stores on local disk: {@code <root>/services/<name>/}, each a {@link DiskStore}
 * (the default service's store is {@code <root>} itself, whose lock covers these too). Every
 * service's writes share one I/O pool and its directory fsyncs one small pool, so a thousand
 * services do not mean a thousand threads.
 */
public final class DiskServiceStores implements ServiceStores {
    private static final Logger log = LoggerFactory.getLogger(DiskServiceStores.class);

    private final Path root;
    private final Path services;
    private final DecodeLimits limits;
    private final ThreadPoolExecutor io;
    private final ExecutorService fsyncRounds;

    public DiskServiceStores(Path root, int ioThreads, int ioQueue, DecodeLimits limits) {
        this.root = root.toAbsolutePath().normalize();
        this.services = this.root.resolve(ProfileStore.SERVICES);
        this.limits = limits;
        this.io = new ThreadPoolExecutor(ioThreads, ioThreads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(ioQueue),
                Threads.named("service-io"), new ThreadPoolExecutor.AbortPolicy());
        io.allowCoreThreadTimeOut(true);
        this.fsyncRounds = Executors.newFixedThreadPool(Math.max(1, Math.min(4, ioThreads)), Threads.named("service-fsync"));
    }

    @Override
    public List<String> existing() throws IOException {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(services, LinkOption.NOFOLLOW_LINKS)) {
            return names;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(services)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (ServiceName.isValid(name) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    names.add(name);
                } else if (!name.startsWith(ProfileStore.TEMP_PREFIX)) {
                    log.warn("ignored {} in {}: not a service's directory ({})", name, services,
                            ServiceName.isValid(name) ? "not a directory" : ServiceName.problem(name));
                }
            }
        }
        return names;
    }

    @Override
    public ProfileStore open(String service) throws IOException {
        if (!ServiceName.isValid(service) || service.equals(ServiceName.DEFAULT)) {
            throw new IllegalArgumentException("not a service with a directory of its own: " + service);
        }
        Path dir = services.resolve(service);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            // Durable before the first profile is: a profile fsync'd into a directory whose own entry is lost is lost too.
            boolean first = !Files.isDirectory(services, LinkOption.NOFOLLOW_LINKS);
            Files.createDirectories(dir);
            DirectorySync.fsyncDirectory(services);
            if (first) {
                DirectorySync.fsyncDirectory(root);
            }
            log.info("created the store of service {} in {}", service, dir);
        }
        return DiskStore.openShared(dir, io, fsyncRounds, limits);
    }

    @Override
    public void finishWrites() {
        io.shutdown();
        Threads.awaitTermination(io, 30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        finishWrites();
        fsyncRounds.shutdown();
        Threads.awaitTermination(fsyncRounds, 10, TimeUnit.SECONDS);
    }
}
