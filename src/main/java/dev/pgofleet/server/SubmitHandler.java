package dev.pgofleet.server;

import dev.pgofleet.pprof.CpuProfileCheck;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.pprof.ValidProfile;
import dev.pgofleet.store.Services;
import dev.pgofleet.store.StorageException;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * {@code POST /v1/submit[?service=NAME]}: validation on a worker thread, then a durable write by
 * the service's store (created there by the service's first valid profile: 403 when that would be
 * more than PGOF_MAX_SERVICES services); 204 only once the profile is on disk. The profile the
 * validation decoded is then folded for compaction ({@link dev.pgofleet.store.PartialFolds}), so it
 * is decoded once. A full worker queue, or more profiles of the service waiting for compaction than
 * PGOF_MAX_COMPACTION_LAG, means 503 with Retry-After.
 */
@Sharable
final class SubmitHandler extends EndpointHandler {
    private final Executor workers;
    /** The durable write of a valid profile (its bytes, and the profile the check decoded) into a service's store. */
    interface Store {
        CompletableFuture<Path> store(String service, byte[] body, ValidProfile decoded) throws Exception;
    }

    private final Store store;
    private final ToLongFunction<String> unfolded;
    private final DecodeLimits limits;
    private final int retryAfterSeconds;
    private final CollectorMetrics metrics;
    private final long maxCompactionLag;

    SubmitHandler(Executor workers, Services services, DecodeLimits limits, int retryAfterSeconds, CollectorMetrics metrics,
                  long maxCompactionLag) {
        this(workers, (service, body, decoded) -> {
            Services.Service s = services.create(service);
            return s.partials().store(s.store(), body, decoded);
        }, service -> {
            Services.Service s = services.get(service);
            return s == null ? 0 : s.store().unfoldedCount();
        }, limits, retryAfterSeconds, metrics, maxCompactionLag);
    }

    /** With the durable write and the compaction backlog of the default service given as functions; handler tests pass stand-ins. */
    SubmitHandler(Executor workers, Function<byte[], CompletableFuture<Path>> store, LongSupplier unfolded, DecodeLimits limits,
                  int retryAfterSeconds, CollectorMetrics metrics, long maxCompactionLag) {
        this(workers, (service, body, decoded) -> store.apply(body), service -> unfolded.getAsLong(), limits, retryAfterSeconds,
                metrics, maxCompactionLag);
    }

    private SubmitHandler(Executor workers, Store store, ToLongFunction<String> unfolded, DecodeLimits limits,
                          int retryAfterSeconds, CollectorMetrics metrics, long maxCompactionLag) {
        super(Endpoint.SUBMIT);
        this.maxCompactionLag = maxCompactionLag;
        this.metrics = metrics;
        this.workers = workers;
        this.store = store;
        this.unfolded = unfolded;
        this.limits = limits;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    protected void handle(ChannelHandlerContext ctx, RoutedRequest req) {
        boolean keepAlive = req.keepAlive();
        String service = req.service();
        if (maxCompactionLag > 0 && unfolded.applyAsLong(service) >= maxCompactionLag) {
            // Sustained load beyond what compaction can fold: shed, so that merges stay fast.
            shed(ctx, keepAlive, service, "compaction");
            return;
        }
        byte[] body = ByteBufUtil.getBytes(req.request().content());
        metrics.receivedBytes.inc(body.length);
        CompletableFuture<?> stored;
        try {
            // The service's store is found or created on the worker (never on the event loop), once the profile is valid.
            stored = CompletableFuture.supplyAsync(() -> storeIn(service, body, validate(body)), workers).thenCompose(write -> write);
        } catch (RejectedExecutionException e) {
            shed(ctx, keepAlive, service, "workers");
            return;
        }
        metrics.inFlightRequests.inc();
        stored.whenComplete((path, error) -> {
            metrics.inFlightRequests.dec();
            Outcome outcome = error == null ? Outcome.ACCEPTED : Outcome.of(error);
            metrics.submit(service, outcome);
            if (outcome == Outcome.SHED) {
                metrics.shed.labelValues("io").inc();
            }
            if (error == null) {
                Responses.send(ctx, keepAlive, Responses.empty(HttpResponseStatus.NO_CONTENT));
            } else {
                Responses.fail(ctx, keepAlive, error, retryAfterSeconds);
            }
        });
    }

    private CompletableFuture<Path> storeIn(String service, byte[] body, ValidProfile decoded) {
        try {
            return store.store(service, body, decoded);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e instanceof IOException io && !(e instanceof StorageException)
                    ? new StorageException("cannot create the store of service " + service + ": " + io, io) : e);
        }
    }

    private void shed(ChannelHandlerContext ctx, boolean keepAlive, String service, String reason) {
        metrics.shed.labelValues(reason).inc();
        metrics.submit(service, Outcome.SHED);
        Responses.send(ctx, keepAlive, Outcome.SHED.response("overloaded: try again later", retryAfterSeconds));
    }

    private ValidProfile validate(byte[] body) {
        try {
            return CpuProfileCheck.requireValid(body, limits);
        } catch (InvalidProfileException e) {
            throw new CompletionException(e);
        }
    }
}
