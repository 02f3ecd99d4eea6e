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
 * Bounds the request bytes held at once across all connections. A request with Content-Length
 * reserves it on its head (so a refusal comes before any 100 Continue); a chunked one reserves
 * chunk by chunk. Over budget: 503 with Retry-After, the connection closes, buffers are released
 * at once. A reservation is returned when the response is written or the connection closes.
 */
final class InFlightLimitHandler extends ChannelDuplexHandler {
    private final InFlightBudget budget;
    private final int retryAfterSeconds;
    private long reserved;
    private boolean reservedUpFront;
    private boolean rejecting;

    InFlightLimitHandler(InFlightBudget budget, int retryAfterSeconds) {
        this.budget = budget;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            rejecting = false;
            long length = HttpUtil.getContentLength(req, -1L);
            reservedUpFront = length > 0;
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
        rejecting = true;
        ReferenceCountUtil.release(msg);
        releaseAll();
        Responses.send(ctx, false, Responses.closing(Responses.retryLater(HttpResponseStatus.SERVICE_UNAVAILABLE,
                "overloaded: too many request bytes in flight, try again later", retryAfterSeconds)));
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
