package dev.pgofleet.server;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;

/** Hands a whole request to its endpoint's handler, with the {@link Route} chosen from its head. */
@Sharable
final class DispatchHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    DispatchHandler() {
        super(false);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        Route route = Route.of(ctx.channel());
        if (route == null) {
            req.release();
            throw new IllegalStateException("a request reached dispatch without a route");
        }
        ctx.fireChannelRead(new RoutedRequest(route.endpoint(), req, route.query(), route.scope()));
    }
}
