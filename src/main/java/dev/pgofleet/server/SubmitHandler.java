package dev.pgofleet.server;

import dev.pgofleet.pprof.CpuProfileCheck;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.pprof.ValidProfile;
import dev.pgofleet.store.PartialFolds;
import dev.pgofleet.store.ProfileStore;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * {@code POST /v1/submit}: validation on a worker thread, then a durable write by the store; 204
 * only once the profile is on disk. The profile the validation decoded is then folded for
 * compaction ({@link PartialFolds}), so it is decoded once. A full worker queue, or more profiles waiting for compaction
 * than PGOF_MAX_COMPACTION_LAG, means 503 with Retry-After.
 */
@Sharable
final class SubmitHandler extends EndpointHandler {
    private final Executor workers;
    private final BiFunction<byte[], ValidProfile, CompletableFuture<Path>> store;
    private final LongSupplier unfolded;
    private final DecodeLimits limits;
    private final int retryAfterSeconds;
    private final CollectorMetrics metrics;
    private final long maxCompactionLag;

    /** Each accepted profile, once durable, is folded by {@code partials} (the profile the check decoded, not read again). */
    SubmitHandler(Executor workers, ProfileStore store, PartialFolds partials, DecodeLimits limits, int retryAfterSeconds,
                  CollectorMetrics metrics, long maxCompactionLag) {
        this(workers, (body, decoded) -> partials.store(store, body, decoded), store::unfoldedCount, limits, retryAfterSeconds,
                metrics, maxCompactionLag);
    }

    /** With the durable write and the compaction backlog given as functions; handler tests pass stand-ins. */
    SubmitHandler(Executor workers, Function<byte[], CompletableFuture<Path>> store, LongSupplier unfolded, DecodeLimits limits,
                  int retryAfterSeconds, CollectorMetrics metrics, long maxCompactionLag) {
        this(workers, (body, decoded) -> store.apply(body), unfolded, limits, retryAfterSeconds, metrics, maxCompactionLag);
    }

    private SubmitHandler(Executor workers, BiFunction<byte[], ValidProfile, CompletableFuture<Path>> store, LongSupplier unfolded,
                          DecodeLimits limits, int retryAfterSeconds, CollectorMetrics metrics, long maxCompactionLag) {
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
        if (maxCompactionLag > 0 && unfolded.getAsLong() >= maxCompactionLag) {
            // Sustained load beyond what compaction can fold: shed, so that merges stay fast.
            shed(ctx, keepAlive, "compaction");
            return;
        }
        byte[] body = ByteBufUtil.getBytes(req.request().content());
        metrics.receivedBytes.inc(body.length);
        CompletableFuture<?> stored;
        try {
            stored = CompletableFuture.supplyAsync(() -> validate(body), workers).thenCompose(decoded -> store.apply(body, decoded));
        } catch (RejectedExecutionException e) {
            shed(ctx, keepAlive, "workers");
            return;
        }
        metrics.inFlightRequests.inc();
        stored.whenComplete((path, error) -> {
            metrics.inFlightRequests.dec();
            Outcome outcome = error == null ? Outcome.ACCEPTED : Outcome.of(error);
            metrics.submits.labelValues(outcome.metricLabel).inc();
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

    private void shed(ChannelHandlerContext ctx, boolean keepAlive, String reason) {
        metrics.shed.labelValues(reason).inc();
        metrics.submits.labelValues(Outcome.SHED.metricLabel).inc();
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
