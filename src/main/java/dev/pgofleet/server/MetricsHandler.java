package dev.pgofleet.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/** {@code GET /metrics}: the Prometheus text format, rendered off the event loop. */
@Sharable
final class MetricsHandler extends EndpointHandler {
    private final CollectorMetrics metrics;
    private final Executor executor;

    MetricsHandler(CollectorMetrics metrics, Executor executor) {
        super(Endpoint.METRICS);
        this.metrics = metrics;
        this.executor = executor;
    }

    @Override
    protected void handle(ChannelHandlerContext ctx, RoutedRequest req) {
        boolean keepAlive = req.keepAlive();
        try {
            CompletableFuture.supplyAsync(metrics::scrape, executor).whenComplete((body, error) -> {
                if (error != null) {
                    Responses.fail(ctx, keepAlive, error, 1);
                    return;
                }
                FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(body));
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, metrics.contentType());
                Responses.send(ctx, keepAlive, r);
            });
        } catch (RejectedExecutionException e) {
            Responses.fail(ctx, keepAlive, e, 1);
        }
    }
}
