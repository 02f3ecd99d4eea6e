package dev.pgofleet.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Every HTTP response goes out through here (only the deadline's 408 is written as raw bytes):
 * failures become answers by their {@link Outcome}, and keep-alive is decided here. No stack
 * trace or exception text reaches a client.
 */
final class Responses {
    private static final Logger log = LoggerFactory.getLogger(Responses.class);

    private Responses() {}

    static FullHttpResponse text(HttpResponseStatus status, String body) {
        ByteBuf content = Unpooled.copiedBuffer(body.endsWith("\n") ? body : body + "\n", StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=utf-8");
        return r;
    }

    static FullHttpResponse empty(HttpResponseStatus status) {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
    }

    /** Sends a response; closes afterwards unless both sides want keep-alive, else resumes reading. */
    static void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response) {
        boolean keep = keepAlive && accepting(ctx.channel())
                && !HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(response.headers().get(HttpHeaderNames.CONNECTION, ""));
        HttpUtil.setContentLength(response, response.content().readableBytes());
        HttpUtil.setKeepAlive(response, keep);
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                f.channel().close();
            } else if (!keep) {
                LingeringClose.closeAfterAnswer(f.channel());
            }
        });
    }

    /**
     * Whether the server still accepts connections: once it stops (a graceful stop), every answer
     * closes its connection, so that no client sends another request that would not be answered.
     */
    private static boolean accepting(Channel ch) {
        return ch.parent() == null || ch.parent().isOpen();
    }

    /** Sends the response that a failed piece of work deserves. */
    static void fail(ChannelHandlerContext ctx, boolean keepAlive, Throwable error, int retryAfterSeconds) {
        send(ctx, keepAlive, forFailure(error, retryAfterSeconds));
    }

    /** The answer to failed work, by its {@link Outcome}; only our own bugs are logged with a stack trace. */
    static FullHttpResponse forFailure(Throwable error, int retryAfterSeconds) {
        Throwable e = Outcome.cause(error);
        Outcome outcome = Outcome.of(e);
        String reason = switch (outcome) {
            case INVALID -> "invalid profile: " + e.getMessage();
            case TOO_MANY_SERVICES -> e.getMessage();
            case SHED -> "overloaded: try again later";
            case STORAGE_ERROR -> "storage unavailable: try again later";
            default -> "internal error";
        };
        if (outcome == Outcome.INTERNAL_ERROR) {
            log.atLevel(outcome.logLevel).setCause(e).log("request failed");
        } else if (outcome.logLevel.toInt() >= Level.WARN.toInt()) {
            // The access log has the client's side; this line says what failed here.
            log.atLevel(outcome.logLevel).log("{}: {}", outcome.metricLabel, oneLine(String.valueOf(e.getMessage())));
        }
        return outcome.response(oneLine(reason), retryAfterSeconds);
    }

    static FullHttpResponse retryLater(HttpResponseStatus status, String message, int retryAfterSeconds) {
        FullHttpResponse r = text(status, message);
        r.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
        return r;
    }

    /** Client-visible text on one line. */
    static String oneLine(String s) {
        return s.replaceAll("[\\r\\n]+", " ");
    }

    /**
     * Refuses a request from its head: drops the message in hand and answers with a response
     * after which the connection closes (the rest of the body is never read).
     */
    static void refuse(ChannelHandlerContext ctx, Object msg, FullHttpResponse response) {
        ReferenceCountUtil.release(msg);
        send(ctx, false, closing(response));
    }

    /** A response after which the connection closes (the request body may not have been read). */
    static FullHttpResponse closing(FullHttpResponse r) {
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }
}
