package dev.pgofleet.server;

import dev.pgofleet.config.ServiceScope;
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
 * body is never read). A valid key used for a service outside its scope gets 403 the same way. A
 * request that passes carries the key's scope on its {@link Route}, for the stages after this one.
 * Routing ran before, so a wrong method has already had its 405.
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
            if (needed != Endpoint.Key.NONE) {
                ServiceScope scope = scopeOf(header, needed);
                if (scope == null) {
                    FullHttpResponse r = Outcome.UNAUTHORIZED.response("missing or invalid bearer key", 0);
                    r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
                    reject(ctx, msg, route, Outcome.UNAUTHORIZED, r);
                    return;
                }
                String service = route.service();
                if (route.endpoint().namesService() && !scope.allows(service)) {
                    // RouteHandler has refused an invalid name, so the name is safe to repeat.
                    FullHttpResponse r = Outcome.FORBIDDEN.response("forbidden: this key may not use service '" + service + "'", 0);
                    r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer error=\"insufficient_scope\"");
                    reject(ctx, msg, route, Outcome.FORBIDDEN, r);
                    return;
                }
                route.withScope(scope).attachTo(ctx.channel());
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

    /** Refuses the request from its head: its body, if any, is never read and the connection closes. */
    private void reject(ChannelHandlerContext ctx, Object msg, Route route, Outcome outcome, FullHttpResponse r) {
        rejecting = true;
        if (route.endpoint() == Endpoint.SUBMIT) {
            metrics.submit(route.service(), outcome);
        }
        Responses.refuse(ctx, msg, r);
    }

    /** The services the bearer key may use, or null without a valid key for {@code needed}. */
    private ServiceScope scopeOf(String header, Endpoint.Key needed) {
        if (header == null || header.length() <= BEARER.length()
                || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String token = header.substring(BEARER.length()).trim();
        return token.isEmpty() ? null : keys.ring(needed).scopeOf(token);
    }
}
