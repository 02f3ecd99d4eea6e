package dev.pgofleet.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per request: method, path, status, bytes in and out, duration, client address and
 * X-Forwarded-For when present. Headers are never logged, so neither are tokens.
 */
final class AccessLogHandler extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger("access");

    private String method, uri, forwardedFor;
    private long start, bytesIn, bytesOut;
    private int status;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest r) {
            method = r.method().name();
            uri = r.uri();
            forwardedFor = r.headers().get("X-Forwarded-For");
            start = System.nanoTime();
            bytesIn = 0;
            bytesOut = 0;
        }
        if (msg instanceof HttpContent c) {
            bytesIn += c.content().readableBytes();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpResponse r) {
            status = r.status().code();
        }
        if (msg instanceof HttpContent c) {
            bytesOut += c.content().readableBytes();
        }
        boolean last = msg instanceof LastHttpContent && status != HttpResponseStatus.CONTINUE.code();
        if (last && method != null && log.isInfoEnabled()) {
            String line = String.format("%s %s %d in=%d out=%d %.1fms client=%s%s", method, printable(uri), status,
                    bytesIn, bytesOut, (System.nanoTime() - start) / 1e6, ctx.channel().remoteAddress(),
                    forwardedFor == null ? "" : " xff=" + printable(forwardedFor));
            promise.addListener(f -> log.info(line));
        }
        if (last) {
            method = null;
        }
        super.write(ctx, msg, promise);
    }

    /** Request text is client data: keep control characters out of the log. */
    private static String printable(String s) {
        String t = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }
}
