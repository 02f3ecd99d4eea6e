package dev.pgofleet.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One log line per request: method, path, status, bytes in and out, duration, client address and
 * X-Forwarded-For when present, in the text and as fields of the event (JSON logs show them as
 * {@code method}, {@code path}, {@code status}, {@code bytes_in}, {@code bytes_out},
 * {@code duration_ms}, {@code client}, {@code forwarded_for}). Health and readiness probes log at
 * DEBUG, as they come every few seconds. Headers are never logged, so neither are tokens.
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
        Level level = probe(uri) ? Level.DEBUG : Level.INFO;
        if (last && method != null && log.isEnabledForLevel(level)) {
            String path = printable(uri);
            double ms = Math.round((System.nanoTime() - start) / 1e5) / 10.0;
            String client = ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                    ? a.getAddress().getHostAddress() + ":" + a.getPort() : String.valueOf(ctx.channel().remoteAddress());
            String xff = forwardedFor == null ? null : printable(forwardedFor);
            LoggingEventBuilder event = log.atLevel(level)
                    .setMessage(String.format("%s %s %d in=%d out=%d %.1fms client=%s%s", method, path, status, bytesIn,
                            bytesOut, ms, client, xff == null ? "" : " xff=" + xff))
                    .addKeyValue("method", method).addKeyValue("path", path).addKeyValue("status", status)
                    .addKeyValue("bytes_in", bytesIn).addKeyValue("bytes_out", bytesOut).addKeyValue("duration_ms", ms)
                    .addKeyValue("client", client);
            if (xff != null) {
                event.addKeyValue("forwarded_for", xff);
            }
            promise.addListener(f -> event.log());
        }
        if (last) {
            method = null;
        }
        super.write(ctx, msg, promise);
    }

    private static boolean probe(String uri) {
        String path = uri == null ? "" : uri.split("\\?", 2)[0];
        return path.equals("/healthz") || path.equals("/readyz");
    }

    /** Request text is client data: keep control characters out of the log. */
    private static String printable(String s) {
        String t = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }
}
