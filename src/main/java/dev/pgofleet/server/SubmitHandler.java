package dev.pgofleet.server;

import dev.pgofleet.pprof.CpuProfileCheck;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.store.ProfileStore;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/submit}: validation on a worker thread, then a durable write by the store; 204
 * only once the profile is on disk. A full worker queue, or more profiles waiting for compaction
 * than PGOF_MAX_COMPACTION_LAG, means 503 with Retry-After.
 */
@Sharable
final class SubmitHandler extends EndpointHandler {
    private static final Logger log = LoggerFactory.getLogger(SubmitHandler.class);
    private final Executor workers;
    private final ProfileStore store;
    private final DecodeLimits limits;
    private final int retryAfterSeconds;
    private final CollectorMetrics metrics;
    private final long maxCompactionLag;

    SubmitHandler(Executor workers, ProfileStore store, DecodeLimits limits, int retryAfterSeconds, CollectorMetrics metrics,
                  long maxCompactionLag) {
        super(Endpoint.SUBMIT);
        this.maxCompactionLag = maxCompactionLag;
        this.metrics = metrics;
        this.workers = workers;
        this.store = store;
        this.limits = limits;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    protected void handle(ChannelHandlerContext ctx, RoutedRequest req) {
        boolean keepAlive = req.keepAlive();
        if (maxCompactionLag > 0 && store.unfoldedCount() >= maxCompactionLag) {
            // Sustained load beyond what compaction can fold: shed, so that merges stay fast.
            metrics.shed.labelValues("compaction").inc();
            metrics.submits.labelValues("shed").inc();
            Responses.fail(ctx, keepAlive, new RejectedExecutionException("compaction backlog"), retryAfterSeconds);
            return;
        }
        byte[] body = ByteBufUtil.getBytes(req.request().content());
        metrics.receivedBytes.inc(body.length);
        CompletableFuture<?> stored;
        try {
            stored = CompletableFuture.supplyAsync(() -> validate(body), workers).thenCompose(store::store);
        } catch (RejectedExecutionException e) {
            metrics.shed.labelValues("workers").inc();
            metrics.submits.labelValues("shed").inc();
            Responses.fail(ctx, keepAlive, e, retryAfterSeconds);
            return;
        }
        metrics.inFlightRequests.inc();
        stored.whenComplete((path, error) -> {
            metrics.inFlightRequests.dec();
            if (error == null) {
                metrics.submits.labelValues("accepted").inc();
                Responses.send(ctx, keepAlive, Responses.empty(HttpResponseStatus.NO_CONTENT));
            } else {
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                if (cause instanceof InvalidProfileException ipe) {
                    log.info("refused profile from {}: {}", ctx.channel().remoteAddress(), ipe.getMessage());
                    metrics.submits.labelValues("invalid").inc();
                } else if (cause instanceof RejectedExecutionException) {
                    metrics.shed.labelValues("io").inc();
                    metrics.submits.labelValues("shed").inc();
                } else {
                    metrics.submits.labelValues("storage_error").inc();
                }
                Responses.fail(ctx, keepAlive, error, retryAfterSeconds);
            }
        });
    }

    private byte[] validate(byte[] body) {
        try {
            CpuProfileCheck.requireValid(body, limits);
            return body;
        } catch (InvalidProfileException e) {
            throw new CompletionException(e);
        }
    }
}
