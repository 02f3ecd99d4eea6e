package dev.pgofleet.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;

/** Base of the handlers that each serve one endpoint; requests for other endpoints pass by. */
abstract class EndpointHandler extends SimpleChannelInboundHandler<RoutedRequest> {
    private final Endpoint endpoint;

    EndpointHandler(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public boolean acceptInboundMessage(Object msg) {
        return msg instanceof RoutedRequest r && r.endpoint() == endpoint;
    }

    @Override
    protected final void channelRead0(ChannelHandlerContext ctx, RoutedRequest req) {
        handle(ctx, req);
    }

    /** Handles the request; it is released when this returns, so copy what outlives the call. */
    protected abstract void handle(ChannelHandlerContext ctx, RoutedRequest req);
}
