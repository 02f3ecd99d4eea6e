package dev.pgofleet.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * Limits request bodies. A declared Content-Length over the per-request limit gets 413 at once and
 * the connection closes, before any byte of the body is read (chunked bodies that pass the limit
 * are stopped by the aggregator). It also bounds the request bytes held at once across all
 * connections. A request with Content-Length
 * reserves it on its head (so a refusal comes before any 100 Continue); a chunked one reserves
 * chunk by chunk. Over budget: 503 with Retry-After, the connection closes, buffers are released
 * at once. A reservation is returned when the response is written or the connection closes.
 */
final class BodyLimitHandler extends ChannelDuplexHandler {
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
                metrics.submits.labelValues("too_large").inc();
                refuse(ctx, msg, Responses.text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                        "request body of " + length + " bytes is over the limit of " + maxBodyBytes + " bytes"));
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
        refuse(ctx, msg, Responses.retryLater(HttpResponseStatus.SERVICE_UNAVAILABLE,
                "overloaded: too many request bytes in flight, try again later", retryAfterSeconds));
    }

    private void refuse(ChannelHandlerContext ctx, Object msg, io.netty.handler.codec.http.FullHttpResponse response) {
        rejecting = true;
        releaseAll();
        Responses.refuse(ctx, msg, response);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        boolean interim = msg instanceof HttpResponse r && r.status().codeClass() == io.netty.handler.codec.http.HttpStatusClass.INFORMATIONAL;
        if (msg instanceof LastHttpContent && !interim) {
            promise.addListener(f -> releaseAll());
        }
        super.write(ctx, msg, promise);
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
