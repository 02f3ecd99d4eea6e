package dev.pgofleet.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;

/**
 * Checks the bearer key that the request's {@link Endpoint} needs, on the request head, before any
 * body is buffered or a 100 Continue is sent. A submit key cannot merge and a merge key cannot
 * submit. On failure: 401 with {@code WWW-Authenticate: Bearer} and the connection is closed (the
 * body is never read). Routing ran before, so a wrong method has already had its 405.
 */
final class AuthHandler extends ChannelInboundHandlerAdapter {
    private static final String BEARER = "bearer ";
    private final AuthKeys keys;
    private final CollectorMetrics metrics;
    private boolean rejecting;

    AuthHandler(AuthKeys keys, CollectorMetrics metrics) {
        this.keys = keys;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            rejecting = false;
            Route route = Route.of(ctx.channel());
            Endpoint.Key needed = route == null ? Endpoint.Key.NONE : route.endpoint().key;
            String header = req.headers().get(HttpHeaderNames.AUTHORIZATION);
            if (needed != Endpoint.Key.NONE && header != null && !visibleAscii(header)) {
                // Not a key any client could hold: a malformed request, not a failed login.
                rejecting = true;
                Responses.refuse(ctx, msg, Responses.text(HttpResponseStatus.BAD_REQUEST, "malformed Authorization header"));
                return;
            }
            if (needed != Endpoint.Key.NONE && !authorized(header, needed)) {
                rejecting = true;
                if (route.endpoint() == Endpoint.SUBMIT) {
                    metrics.submit(route.service(), Outcome.UNAUTHORIZED);
                }
                FullHttpResponse r = Outcome.UNAUTHORIZED.response("missing or invalid bearer key", 0);
                r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
                Responses.refuse(ctx, msg, r);
                return;
            }
        } else if (rejecting && msg instanceof HttpContent) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private static boolean visibleAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 || c > 0x7e) && c != '\t') {
                return false;
            }
        }
        return true;
    }

    private boolean authorized(String header, Endpoint.Key needed) {
        if (header == null || header.length() <= BEARER.length()
                || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        String token = header.substring(BEARER.length()).trim();
        return !token.isEmpty() && keys.ring(needed).accepts(token);
    }
}
