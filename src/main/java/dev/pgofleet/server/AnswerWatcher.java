package dev.pgofleet.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;

/**
 * Sits next to the codec, so every response passes it: when the end of a final response has been
 * written (or failed to be), it fires {@link Answered} from the head of the pipeline.
 */
final class AnswerWatcher extends ChannelDuplexHandler {
    private static final int MAX_REASON = 200;

    private int status;
    private boolean interim;
    private long bytesOut;
    private String reason;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpResponse r) {
            status = r.status().code();
            interim = r.status().codeClass() == HttpStatusClass.INFORMATIONAL;
            bytesOut = 0;
            reason = null;
        }
        if (msg instanceof HttpContent c && !interim) {
            if (status >= 400 && reason == null) {
                reason = firstLine(c.content());
            }
            bytesOut += c.content().readableBytes();
        }
        if (msg instanceof LastHttpContent && !interim) {
            int s = status;
            long out = bytesOut;
            String why = reason;
            promise.addListener(f -> ctx.pipeline().fireUserEventTriggered(new Answered(s, out, why, f.isSuccess())));
        }
        super.write(ctx, msg, promise);
    }

    private static String firstLine(ByteBuf body) {
        int n = Math.min(body.readableBytes(), MAX_REASON);
        String s = body.toString(body.readerIndex(), n, StandardCharsets.UTF_8);
        int eol = s.indexOf('\n');
        return eol >= 0 ? s.substring(0, eol) : s;
    }
}
