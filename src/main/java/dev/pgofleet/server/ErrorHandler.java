package dev.pgofleet.server;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.timeout.WriteTimeoutException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of the pipeline: an exception closes the connection; nothing reaches the client. What
 * clients and the network cause (a reset, a connection closed mid-body, a slow reader) is one
 * debug line; anything else is our own bug and is logged with its stack trace.
 */
@Sharable
final class ErrorHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ErrorHandler.class);

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        log.warn("unhandled message {} from {}", msg.getClass().getSimpleName(), ctx.channel().remoteAddress());
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause instanceof WriteTimeoutException
                || cause instanceof PrematureChannelClosureException) {
            log.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("closing {} after an error", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
