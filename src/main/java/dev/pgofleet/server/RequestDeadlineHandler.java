package dev.pgofleet.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A deadline for receiving a whole request, head and body, counted from its first byte: a client
 * that trickles bytes cannot hold a connection. It sits before the HTTP codec to see raw bytes;
 * its {@link Disarm} companion after the codec stops the clock when the request is complete.
 */
final class RequestDeadlineHandler extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(RequestDeadlineHandler.class);
    private static final byte[] TIMEOUT_RESPONSE = ("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 32\r\n\r\nrequest not received in time\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    private final long timeoutNanos;
    private ScheduledFuture<?> deadline;

    RequestDeadlineHandler(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (deadline == null && msg instanceof ByteBuf b && b.isReadable()) {
            deadline = ctx.executor().schedule(() -> expire(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
        }
        super.channelRead(ctx, msg);
    }

    private void expire(ChannelHandlerContext ctx) {
        deadline = null;
        if (ctx.channel().isActive()) {
            log.info("closing {}: request not complete within {} ms", ctx.channel().remoteAddress(), timeoutNanos / 1_000_000);
            ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT_RESPONSE)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    void requestReceived() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        requestReceived();
        super.channelInactive(ctx);
    }

    /** Placed after the codec: the request's last content stops the deadline. */
    static final class Disarm extends ChannelInboundHandlerAdapter {
        private final RequestDeadlineHandler deadline;

        Disarm(RequestDeadlineHandler deadline) {
            this.deadline = deadline;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof LastHttpContent) {
                deadline.requestReceived();
            }
            super.channelRead(ctx, msg);
        }
    }
}
