package dev.pgofleet.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * Checks the bearer key on the request head, before any body is buffered or a 100 Continue is
 * sent. A submit key cannot merge and a merge key cannot submit. On failure: 401 with
 * {@code WWW-Authenticate: Bearer} and the connection is closed (the body is never read).
 * POSTs to the submit and merge paths are checked (other methods get their 405 from routing, as
 * in the original), and every request for the merge's read-only views (summary, flame graph),
 * which take a merge key. The web page's files hold no data and are public.
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
            Endpoint protectedEndpoint = protectedEndpoint(req);
            String header = req.headers().get(HttpHeaderNames.AUTHORIZATION);
            if (protectedEndpoint != null && header != null && !visibleAscii(header)) {
                // Not a key any client could hold: a malformed request, not a failed login.
                rejecting = true;
                Responses.refuse(ctx, msg, Responses.text(HttpResponseStatus.BAD_REQUEST, "malformed Authorization header"));
                return;
            }
            if (protectedEndpoint != null && !authorized(header, protectedEndpoint)) {
                rejecting = true;
                if (protectedEndpoint == Endpoint.SUBMIT) {
                    metrics.submits.labelValues("unauthorized").inc();
                }
                FullHttpResponse r = Responses.text(HttpResponseStatus.UNAUTHORIZED, "missing or invalid bearer key");
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

    private static Endpoint protectedEndpoint(HttpRequest req) {
        String path = new QueryStringDecoder(req.uri()).path();
        if (Endpoint.SUMMARY.path.equals(path)) {
            return Endpoint.SUMMARY;
        }
        if (Endpoint.FLAMEGRAPH.path.equals(path)) {
            return Endpoint.FLAMEGRAPH;
        }
        if (!HttpMethod.POST.equals(req.method())) {
            return null;
        }
        if (Endpoint.SUBMIT.path.equals(path)) {
            return Endpoint.SUBMIT;
        }
        return Endpoint.MERGE.path.equals(path) ? Endpoint.MERGE : null;
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

    private boolean authorized(String header, Endpoint endpoint) {
        if (header == null || header.length() <= BEARER.length()
                || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        String token = header.substring(BEARER.length()).trim();
        return !token.isEmpty() && keys.forEndpoint(endpoint).accepts(token);
    }
}
