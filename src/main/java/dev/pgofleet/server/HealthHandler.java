package dev.pgofleet.server;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;

/** {@code /healthz}: 200 {@code OK}, the original Go collector's liveness answer. */
@Sharable
final class HealthHandler extends EndpointHandler {
    HealthHandler() {
        super(Endpoint.HEALTH);
    }

    @Override
    protected void handle(ChannelHandlerContext ctx, RoutedRequest req) {
        Responses.send(ctx, req.keepAlive(), Responses.text(HttpResponseStatus.OK, "OK"));
    }
}
