package dev.pgofleet.server;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * Closes a connection that the idle-state stage reports idle (a keep-alive connection nobody
 * uses), unless a request on it is still being worked on: a merge may take longer than the idle
 * timeout, and its client is waiting, not idle.
 */
@Sharable
final class IdleCloseHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            if (!PipeliningHandler.isWorking(ctx.channel())) {
                ctx.close();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
