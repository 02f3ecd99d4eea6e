package dev.pgofleet.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;

/**
 * Netty's request decoder and response encoder, as {@code HttpServerCodec} pairs them, with the
 * request line held to RFC 9112 section 3: {@code method SP target SP version}, single spaces,
 * nothing before it but empty lines. Netty's decoder splits the line on any run of whitespace and
 * skips control bytes before it; a request a proxy in front reads differently must not be served.
 * Whitespace after the version is refused by Netty's decoder itself (it checks the line's last
 * byte before splitting it), so the words reach the checks below with nothing trailing them.
 * A malformed line becomes a failed decode, answered 400 by {@link ProtocolErrorHandler}. As in
 * {@code HttpServerCodec}, the encoder learns each request's method so that an answer to HEAD
 * carries no body.
 */
final class ServerCodec extends CombinedChannelDuplexHandler<ServerCodec.RequestDecoder, ServerCodec.ResponseEncoder> {
    /** Methods of the requests decoded and not yet answered, in order. */
    private final Queue<HttpMethod> methods = new ArrayDeque<>();

    ServerCodec(HttpDecoderConfig config) {
        init(new RequestDecoder(config), new ResponseEncoder());
    }

    final class RequestDecoder extends HttpRequestDecoder {
        private boolean atStart = true;
        private boolean junkBeforeLine;
        private int firstEnd;
        private int secondEnd;

        RequestDecoder(HttpDecoderConfig config) {
            super(config);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            if (atStart) {
                junkBeforeLine |= junkAhead(buffer);
            }
            int before = out.size();
            super.decode(ctx, buffer, out);
            for (int i = before; i < out.size(); i++) {
                Object o = out.get(i);
                if (o instanceof HttpRequest r) {
                    methods.add(r.method());
                    atStart = false;
                    junkBeforeLine = false;
                }
                if (o instanceof LastHttpContent) {
                    atStart = true;
                }
            }
        }

        /** A byte other than CR or LF that is whitespace or a control, before the next request line. */
        private static boolean junkAhead(ByteBuf b) {
            for (int i = b.readerIndex(); i < b.writerIndex(); i++) {
                byte c = b.getByte(i);
                if (c != '\r' && c != '\n') {
                    return c <= ' ' || c == 0x7f;
                }
            }
            return false;
        }

        // Netty calls the three in order with (line bytes, word start, word length).
        @Override
        protected String splitFirstWordInitialLine(byte[] sb, int start, int length) {
            if (junkBeforeLine) {
                throw new IllegalArgumentException("bytes before the request line");
            }
            firstEnd = start + length;
            return super.splitFirstWordInitialLine(sb, start, length);
        }

        @Override
        protected String splitSecondWordInitialLine(byte[] sb, int start, int length) {
            requireOneSpace(sb, firstEnd, start);
            secondEnd = start + length;
            return super.splitSecondWordInitialLine(sb, start, length);
        }

        @Override
        protected String splitThirdWordInitialLine(byte[] sb, int start, int length) {
            requireOneSpace(sb, secondEnd, start);
            return super.splitThirdWordInitialLine(sb, start, length);
        }

        private static void requireOneSpace(byte[] sb, int previousEnd, int start) {
            if (start != previousEnd + 1 || sb[previousEnd] != ' ') {
                throw new IllegalArgumentException("the request line must be method, target and version, one space apart");
            }
        }
    }

    final class ResponseEncoder extends HttpResponseEncoder {
        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return super.isContentAlwaysEmpty(msg);
            }
            return HttpMethod.HEAD.equals(methods.poll()) || super.isContentAlwaysEmpty(msg);
        }
    }
}
