package dev.pgofleet.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;

/**
 * Answers what the HTTP codec could not decode (a malformed or oversized head, a bad chunk) with
 * a 4xx and closes: after a framing error nothing more on that connection can be trusted.
 */
final class ProtocolErrorHandler extends ChannelInboundHandlerAdapter {
    private boolean failed;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (failed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
            failed = true;
            Responses.refuse(ctx, msg, Responses.text(statusFor(o.decoderResult()), "bad request: " + reason(o.decoderResult())));
            return;
        }
        ctx.fireChannelRead(msg);
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
        return m == null ? "malformed HTTP" : m.replaceAll("[\\r\\n]", " ");
    }
}
