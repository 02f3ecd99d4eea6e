package dev.pgofleet.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;

/** Path and method to endpoint: 404 for an unknown path, 405 with {@code Allow} for a wrong method. */
final class RouteHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final boolean metricsEnabled;

    RouteHandler(boolean metricsEnabled) {
        super(false);
        this.metricsEnabled = metricsEnabled;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        QueryStringDecoder query = new QueryStringDecoder(req.uri());
        Endpoint endpoint = switch (query.path()) {
            case "/v1/submit" -> Endpoint.SUBMIT;
            case "/v1/merge" -> Endpoint.MERGE;
            case "/healthz" -> Endpoint.HEALTH;
            case "/readyz" -> Endpoint.READY;
            case "/metrics" -> metricsEnabled ? Endpoint.METRICS : null;
            case "/v1/summary" -> Endpoint.SUMMARY;
            case "/v1/flamegraph" -> Endpoint.FLAMEGRAPH;
            default -> query.path().equals("/ui") || query.path().startsWith(Endpoint.UI.path) ? Endpoint.UI : null;
        };
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (endpoint == null) {
            req.release();
            Responses.send(ctx, keepAlive, Responses.text(HttpResponseStatus.NOT_FOUND, "not found: the endpoints are "
                    + "POST /v1/submit, POST /v1/merge, GET /v1/summary, GET /v1/flamegraph, GET /ui/, GET /healthz and GET /readyz"));
            return;
        }
        // /healthz answers any method, as the original does; so do /readyz and /metrics.
        if ((endpoint == Endpoint.SUBMIT || endpoint == Endpoint.MERGE) && !HttpMethod.POST.equals(req.method())) {
            req.release();
            FullHttpResponse r = Responses.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed: use POST");
            r.headers().set(HttpHeaderNames.ALLOW, "POST");
            Responses.send(ctx, keepAlive, r);
            return;
        }
        boolean readOnly = endpoint == Endpoint.SUMMARY || endpoint == Endpoint.FLAMEGRAPH || endpoint == Endpoint.UI;
        if (readOnly && !HttpMethod.GET.equals(req.method())) {
            req.release();
            FullHttpResponse r = Responses.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed: use GET");
            r.headers().set(HttpHeaderNames.ALLOW, "GET");
            Responses.send(ctx, keepAlive, r);
            return;
        }
        ctx.fireChannelRead(new RoutedRequest(endpoint, req, query));
    }
}
