package dev.pgofleet.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One log line per request: method, path, status, bytes in and out, duration, client address,
 * X-Forwarded-For when present, the service of a request for one (submit, merge and its views;
 * once its name was found valid), and for a refused request the one-line reason the client read;
 * in the text and as fields of the event (JSON logs show them as {@code method}, {@code path},
 * {@code status}, {@code bytes_in}, {@code bytes_out}, {@code duration_ms}, {@code client},
 * {@code forwarded_for}, {@code service}, {@code reason}). Health and readiness probes log at DEBUG, as they come
 * every few seconds. Headers are never logged, so neither are tokens.
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
            Level level = probe(uri) ? Level.DEBUG : Level.INFO;
            if (log.isEnabledForLevel(level)) {
                log(ctx, a, level);
            }
            method = null;
        }
        super.userEventTriggered(ctx, evt);
    }

    private void log(ChannelHandlerContext ctx, Answered a, Level level) {
        String path = printable(uri);
        long tenths = Math.round((System.nanoTime() - start) / 1e5);
        double ms = tenths / 10.0;
        String client = ctx.channel().remoteAddress() instanceof InetSocketAddress s && s.getAddress() != null
                ? s.getAddress().getHostAddress() + ":" + s.getPort() : String.valueOf(ctx.channel().remoteAddress());
        String xff = forwardedFor == null ? null : printable(forwardedFor);
        String reason = a.reason() == null ? null : printable(a.reason());
        Route route = Route.of(ctx.channel());
        String service = route != null && route.endpoint().namesService() ? route.service() : null;
        LoggingEventBuilder event = log.atLevel(level)
                .setMessage(message(path, a, tenths, client, xff, service, reason))
                .addKeyValue("method", method).addKeyValue("path", path).addKeyValue("status", a.status())
                .addKeyValue("bytes_in", bytesIn).addKeyValue("bytes_out", a.bytesOut()).addKeyValue("duration_ms", ms)
                .addKeyValue("client", client);
        if (xff != null) {
            event.addKeyValue("forwarded_for", xff);
        }
        if (service != null) {
            event.addKeyValue("service", service);
        }
        if (reason != null) {
            event.addKeyValue("reason", reason);
        }
        event.log();
    }

    /** Built by hand: String.format parses its pattern with a regex on every request. */
    private String message(String path, Answered a, long tenths, String client, String xff, String service, String reason) {
        StringBuilder m = new StringBuilder(128).append(method).append(' ').append(path).append(' ').append(a.status())
                .append(" in=").append(bytesIn).append(" out=").append(a.bytesOut())
                .append(' ').append(tenths / 10).append('.').append(tenths % 10).append("ms client=").append(client);
        if (xff != null) {
            m.append(" xff=").append(xff);
        }
        if (service != null) {
            m.append(" service=").append(service);
        }
        if (reason != null) {
            m.append(" reason=\"").append(reason).append('"');
        }
        return m.toString();
    }

    private static boolean probe(String uri) {
        String path = uri == null ? "" : uri.split("\\?", 2)[0];
        return path.equals("/healthz") || path.equals("/readyz");
    }

    /** Request text is client data: keep control characters out of the log. */
    private static String printable(String s) {
        String t = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        StringBuilder b = null;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c < 0x20 || c == 0x7f) { // what \p{Cntrl} matches
                b = b == null ? new StringBuilder(t) : b;
                b.setCharAt(i, '?');
            }
        }
        return b == null ? t : b.toString();
    }
}
