package dev.pgofleet.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * {@code GET /ui/}: the web page and its assets, from the jar (d3 from its webjar). Public: they
 * hold no data; the page asks for the merge key and sends it on each data call. A strict
 * Content-Security-Policy allows scripts, styles and requests from this origin only.
 */
@Sharable
final class UiHandler extends EndpointHandler {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private record Asset(byte[] bytes, String type) {}

    private final Map<String, Asset> assets;

    UiHandler() {
        super(Endpoint.UI);
        this.assets = Map.of(
                "/ui/", load("/dev/pgofleet/ui/index.html", "text/html; charset=utf-8"),
                "/ui/app.js", load("/dev/pgofleet/ui/app.js", "text/javascript; charset=utf-8"),
                "/ui/app.css", load("/dev/pgofleet/ui/app.css", "text/css; charset=utf-8"),
                "/ui/d3.min.js", load("/META-INF/resources/webjars/d3/7.9.0/dist/d3.min.js", "text/javascript; charset=utf-8"));
    }

    private static Asset load(String resource, String type) {
        try (InputStream in = UiHandler.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing from the jar: " + resource);
            }
            return new Asset(in.readAllBytes(), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected void handle(ChannelHandlerContext ctx, RoutedRequest req) {
        String path = req.query().path();
        if (path.equals("/ui")) {
            FullHttpResponse moved = Responses.empty(HttpResponseStatus.MOVED_PERMANENTLY);
            moved.headers().set(HttpHeaderNames.LOCATION, "/ui/");
            Responses.send(ctx, req.keepAlive(), moved);
            return;
        }
        Asset a = assets.get(path.equals("/ui/index.html") ? "/ui/" : path);
        if (a == null) {
            Responses.send(ctx, req.keepAlive(), Responses.text(HttpResponseStatus.NOT_FOUND, "not found: " + path));
            return;
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(a.bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, a.type);
        r.headers().set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CSP);
        r.headers().set("X-Content-Type-Options", "nosniff");
        r.headers().set("Referrer-Policy", "no-referrer");
        r.headers().set(HttpHeaderNames.X_FRAME_OPTIONS, "DENY");
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        Responses.send(ctx, req.keepAlive(), r);
    }
}
