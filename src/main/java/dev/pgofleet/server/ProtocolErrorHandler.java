package dev.pgofleet.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Answers what the HTTP codec could not decode (a malformed or oversized head, a bad chunk), and
 * heads that RFC 9112 makes invalid but the codec lets through, with a 4xx or 5xx and closes:
 * after a framing error nothing more on that connection can be trusted.
 */
final class ProtocolErrorHandler extends ChannelInboundHandlerAdapter {
    /** Transfer codings registered with IANA; anything else is one we do not know (501). */
    private static final Set<String> KNOWN_CODINGS = Set.of("chunked", "compress", "deflate", "gzip", "identity",
            "trailers", "x-compress", "x-gzip");

    private boolean failed;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (failed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
            List<String> codings = msg instanceof HttpRequest req ? req.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING) : List.of();
            if (hasUnknownCoding(codings)) {
                // The codec refuses a final coding other than chunked; one we do not know is a 501.
                refuse(ctx, msg, HttpResponseStatus.NOT_IMPLEMENTED, "unknown transfer coding: " + String.join(", ", codings));
            } else {
                refuse(ctx, msg, statusFor(o.decoderResult()), "bad request: " + reason(o.decoderResult()));
            }
            return;
        }
        if (msg instanceof HttpRequest req) {
            HttpResponseStatus status = HttpResponseStatus.BAD_REQUEST;
            String problem = null;
            HttpVersion v = req.protocolVersion();
            List<String> hosts = req.headers().getAll(HttpHeaderNames.HOST);
            List<String> codings = req.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
            if (!v.equals(HttpVersion.HTTP_1_1) && !v.equals(HttpVersion.HTTP_1_0)) {
                status = HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED;
                problem = "HTTP version not supported: " + v.text() + " (HTTP/1.1 and HTTP/1.0 are)";
            } else if (hosts.size() > 1) {
                problem = "bad request: more than one Host header";
            } else if (hosts.isEmpty() && v.equals(HttpVersion.HTTP_1_1)) {
                problem = "bad request: an HTTP/1.1 request needs a Host header";
            } else if (!codings.isEmpty() && !(codings.size() == 1 && "chunked".equalsIgnoreCase(codings.get(0).trim()))) {
                boolean unknown = hasUnknownCoding(codings);
                status = unknown ? HttpResponseStatus.NOT_IMPLEMENTED : HttpResponseStatus.BAD_REQUEST;
                problem = (unknown ? "unknown transfer coding: " : "bad request: Transfer-Encoding must be exactly chunked, not ")
                        + String.join(", ", codings);
            }
            if (problem != null) {
                refuse(ctx, msg, status, problem);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private void refuse(ChannelHandlerContext ctx, Object msg, HttpResponseStatus status, String reason) {
        failed = true;
        Responses.refuse(ctx, msg, Responses.text(status, Responses.oneLine(reason)));
    }

    private static boolean hasUnknownCoding(List<String> codings) {
        return codings.stream().flatMap(c -> List.of(c.split(",")).stream())
                .map(c -> c.trim().toLowerCase(Locale.ROOT)).anyMatch(c -> !c.isEmpty() && !KNOWN_CODINGS.contains(c));
    }

    private static HttpResponseStatus statusFor(DecoderResult r) {
        Throwable c = r.cause();
        if (c instanceof TooLongHttpHeaderException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        if (c instanceof TooLongHttpLineException) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG;
        }
        if (c instanceof TooLongFrameException) {
            return HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
        }
        return HttpResponseStatus.BAD_REQUEST;
    }

    private static String reason(DecoderResult r) {
        String m = r.cause() == null ? null : r.cause().getMessage();
        return m == null ? "malformed HTTP" : m;
    }
}
