package dev.pgofleet.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;

/**
 * Limits request bodies. It sits after routing and the key check, so only an authenticated
 * request to an endpoint that takes a body ever holds any of the byte budget: an anonymous client
 * cannot reserve it. A declared Content-Length over the per-request limit gets 413 at once and the
 * connection closes, before any byte of the body is read (chunked bodies that pass the limit are
 * stopped by the aggregator). It also bounds the request bytes held at once across all
 * connections: a request with Content-Length reserves it on its head (so a refusal comes before
 * any 100 Continue); a chunked one reserves chunk by chunk. Over budget: 503 with Retry-After, the
 * connection closes, buffers are released at once. A reservation is returned when the request is
 * answered or the connection closes.
 */
final class BodyLimitHandler extends ChannelInboundHandlerAdapter {
    private final InFlightBudget budget;
    private final long maxBodyBytes;
    private final int retryAfterSeconds;
    private final CollectorMetrics metrics;
    private long reserved;
    private boolean reservedUpFront;
    private boolean rejecting;

    BodyLimitHandler(InFlightBudget budget, long maxBodyBytes, int retryAfterSeconds, CollectorMetrics metrics) {
        this.metrics = metrics;
        this.budget = budget;
        this.maxBodyBytes = maxBodyBytes;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            rejecting = false;
            long length = HttpUtil.getContentLength(req, -1L);
            reservedUpFront = length > 0;
            if (length > maxBodyBytes) {
                Route route = Route.of(ctx.channel());
                metrics.submit(route == null ? dev.pgofleet.config.ServiceName.DEFAULT : route.service(), Outcome.TOO_LARGE);
                refuse(ctx, msg, Outcome.TOO_LARGE.response(
                        "request body of " + length + " bytes is over the limit of " + maxBodyBytes + " bytes", retryAfterSeconds));
                return;
            }
            if (reservedUpFront && !reserve(length)) {
                reject(ctx, msg);
                return;
            }
        } else if (rejecting) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpContent c && !reservedUpFront && !reserve(c.content().readableBytes())) {
            reject(ctx, msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private boolean reserve(long bytes) {
        if (bytes == 0) {
            return true;
        }
        if (!budget.tryReserve(bytes)) {
            return false;
        }
        reserved += bytes;
        return true;
    }

    private void reject(ChannelHandlerContext ctx, Object msg) {
        metrics.shed.labelValues("bytes").inc();
        refuse(ctx, msg, Outcome.SHED.response("overloaded: too many request bytes in flight, try again later",
                retryAfterSeconds));
    }

    private void refuse(ChannelHandlerContext ctx, Object msg, FullHttpResponse response) {
        rejecting = true;
        releaseAll();
        Responses.refuse(ctx, msg, response);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof Answered) {
            releaseAll();
        }
        super.userEventTriggered(ctx, evt);
    }

    private void releaseAll() {
        budget.release(reserved);
        reserved = 0;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releaseAll();
        super.channelInactive(ctx);
    }
}
