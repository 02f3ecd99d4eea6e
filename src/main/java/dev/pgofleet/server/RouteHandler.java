package dev.pgofleet.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import dev.pgofleet.config.ServiceName;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Routes a request from its head, before any key is checked or byte of body is buffered: the
 * {@link Endpoint} table gives 400 for a target that cannot be routed, 404 for an unknown path,
 * 405 with {@code Allow} for a wrong method, and 413 for a body sent where none is taken (no
 * 100 Continue is ever sent there), and 400 for a {@code service} that is no {@link ServiceName}
 * (nothing is stored or created for it). A refused request with a body closes the connection unread;
 * one without is answered once complete and the connection stays open. The chosen {@link Route}
 * is left on the channel for the stages after this one.
 */
final class RouteHandler extends ChannelInboundHandlerAdapter {
    private final Set<Endpoint> enabled;
    private final String notFound;
    /** The answer to a refused request without body, sent when its end arrives. */
    private FullHttpResponse pending;
    private boolean pendingKeepAlive;
    /** The rest of a request refused with close. */
    private boolean discarding;

    RouteHandler(Set<Endpoint> enabled) {
        this.enabled = Set.copyOf(enabled);
        this.notFound = "not found: the endpoints are " + enabled.stream().sorted().map(Endpoint::describe)
                .collect(Collectors.joining(", "));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            route(ctx, req);
            return;
        }
        if (msg instanceof HttpContent && (discarding || pending != null)) {
            ReferenceCountUtil.release(msg);
            answerIfComplete(ctx, msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private void route(ChannelHandlerContext ctx, HttpRequest req) {
        Route.clear(ctx.channel());
        discarding = false;
        RequestTarget.Target target;
        try {
            target = RequestTarget.parse(req.uri());
        } catch (RequestTarget.BadTargetException e) {
            refuse(ctx, req, Responses.text(HttpResponseStatus.BAD_REQUEST, e.getMessage()));
            return;
        }
        Endpoint endpoint = target.path() == null ? null : Endpoint.at(target.path());
        boolean hasBody = HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0;
        if (endpoint == null || !enabled.contains(endpoint)) {
            answer(ctx, req, hasBody, Responses.text(HttpResponseStatus.NOT_FOUND, notFound));
        } else if (!endpoint.allows(req.method())) {
            FullHttpResponse r = Responses.text(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "method not allowed: use " + endpoint.allowHeader());
            r.headers().set(HttpHeaderNames.ALLOW, endpoint.allowHeader());
            answer(ctx, req, hasBody, r);
        } else if (hasBody && !endpoint.takesBody) {
            refuse(ctx, req, Responses.text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "request body not allowed: " + endpoint.path + " takes none"));
        } else if (endpoint.namesService() && serviceProblem(target) != null) {
            answer(ctx, req, hasBody, Responses.text(HttpResponseStatus.BAD_REQUEST, "bad request: " + serviceProblem(target)));
        } else {
            if (!endpoint.takesBody) {
                req.headers().remove(HttpHeaderNames.EXPECT); // nothing to continue with
            }
            new Route(endpoint, target.query()).attachTo(ctx.channel());
            ctx.fireChannelRead(req);
        }
    }

    /** Why the request's {@code service} parameter names no service (null when it names one or is absent). */
    private static String serviceProblem(RequestTarget.Target target) {
        List<String> values = target.query().parameters().get("service");
        if (values == null) {
            return null;
        }
        if (values.size() > 1) {
            return "service given more than once";
        }
        String problem = ServiceName.problem(values.get(0));
        return problem == null ? null : problem + " (service=" + Responses.oneLine(printable(values.get(0))) + ")";
    }

    /** A client's value as a one-line reason may quote it: at most 80 characters, control characters as '?'. */
    private static String printable(String s) {
        String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }

    private void answer(ChannelHandlerContext ctx, HttpRequest req, boolean hasBody, FullHttpResponse response) {
        if (hasBody) {
            refuse(ctx, req, response); // the body is not worth reading
            return;
        }
        pending = response;
        pendingKeepAlive = HttpUtil.isKeepAlive(req);
        ReferenceCountUtil.release(req);
        answerIfComplete(ctx, req);
    }

    private void answerIfComplete(ChannelHandlerContext ctx, Object msg) {
        if (pending != null && msg instanceof LastHttpContent) {
            FullHttpResponse r = pending;
            pending = null;
            Responses.send(ctx, pendingKeepAlive, r);
        }
    }

    private void refuse(ChannelHandlerContext ctx, HttpRequest req, FullHttpResponse response) {
        discarding = !(req instanceof LastHttpContent);
        Responses.refuse(ctx, req, response);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }
}
