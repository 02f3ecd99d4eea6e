package dev.pgofleet.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per request: method, path, status, bytes in and out, duration, client address,
 * X-Forwarded-For when present, and for a refused request the one-line reason the client read.
 * Headers are never logged, so neither are tokens.
 */
final class AccessLogHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger("access");

    private String method, uri, forwardedFor;
    private long start, bytesIn;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest r) {
            method = r.method().name();
            uri = r.uri();
            forwardedFor = r.headers().get("X-Forwarded-For");
            start = System.nanoTime();
            bytesIn = 0;
        }
        if (msg instanceof HttpContent c) {
            bytesIn += c.content().readableBytes();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof Answered a && method != null) {
            if (log.isInfoEnabled()) {
                log.info(String.format("%s %s %d in=%d out=%d %.1fms client=%s%s%s", method, printable(uri), a.status(),
                        bytesIn, a.bytesOut(), (System.nanoTime() - start) / 1e6, ctx.channel().remoteAddress(),
                        forwardedFor == null ? "" : " xff=" + printable(forwardedFor),
                        a.reason() == null ? "" : " reason=\"" + printable(a.reason()) + "\""));
            }
            method = null;
        }
        super.userEventTriggered(ctx, evt);
    }

    /** Request text is client data: keep control characters out of the log. */
    private static String printable(String s) {
        String t = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }
}
