package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The request line as RFC 9112 writes it, and HEAD answers without a body. */
class ServerCodecTest {
    private static EmbeddedChannel codec() {
        return new EmbeddedChannel(new ServerCodec(new HttpDecoderConfig().setStrictLineParsing(true)));
    }

    /** The first request decoded from {@code head}: its decoder result, and its target when it decoded. */
    private static String decode(String head) {
        EmbeddedChannel ch = codec();
        ch.writeInbound(Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1));
        HttpRequest r = ch.readInbound();
        String result = r.decoderResult().isSuccess() ? "ok " + r.uri() : "failed: " + r.decoderResult().cause().getMessage();
        ReferenceCountUtil.release(r);
        ch.finishAndReleaseAll();
        return result;
    }

    private static final String SPACING = "failed: the request line must be method, target and version, one space apart";
    private static final String BEFORE = "failed: bytes before the request line";

    static Stream<Arguments> lines() {
        return Stream.of(
                Arguments.of("GET /x HTTP/1.1", "ok /x"),
                Arguments.of("\r\n\r\nGET /x HTTP/1.1", "ok /x"),
                Arguments.of("GET  /x HTTP/1.1", SPACING),
                Arguments.of("GET /x  HTTP/1.1", SPACING),
                Arguments.of("GET\t/x HTTP/1.1", SPACING),
                Arguments.of("GET /x\tHTTP/1.1", SPACING),
                Arguments.of(" GET /x HTTP/1.1", BEFORE),
                // Whitespace after the version: Netty's decoder refuses it before the words are split.
                Arguments.of("GET /x HTTP/1.1 ", "failed: "),
                Arguments.of("GET /x HTTP/1.1\t", "failed: "),
                Arguments.of("GET /x HTTP/1.1  ", "failed: "),
                // Refused either way; Netty's strict line check may speak first.
                Arguments.of("\0\0GET /x HTTP/1.1", "failed: "),
                Arguments.of("\r\n\tGET /x HTTP/1.1", "failed: "));
    }

    @ParameterizedTest
    @MethodSource("lines")
    void requestLine(String line, String expected) {
        String result = decode(line + "\r\nHost: h\r\n\r\n");
        if (expected.endsWith(" ")) {
            assertThat(result).startsWith(expected);
        } else {
            assertThat(result).isEqualTo(expected);
        }
    }

    @Test
    void aStrictLineAfterAWholeRequestIsCheckedToo() {
        EmbeddedChannel ch = codec();
        ch.writeInbound(Unpooled.copiedBuffer("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET  /b HTTP/1.1\r\nHost: h\r\n\r\n",
                StandardCharsets.ISO_8859_1));
        HttpRequest first = ch.readInbound();
        assertThat(first.decoderResult().isSuccess()).isTrue();
        ReferenceCountUtil.release(ch.readInbound()); // its end
        HttpRequest second = ch.readInbound();
        assertThat(second.decoderResult().isFailure()).as("the pipelined one with two spaces").isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void headAnswersCarryTheLengthButNoBody() {
        EmbeddedChannel ch = codec();
        ch.writeInbound(Unpooled.copiedBuffer("HEAD /healthz HTTP/1.1\r\nHost: h\r\n\r\nGET /healthz HTTP/1.1\r\nHost: h\r\n\r\n",
                StandardCharsets.ISO_8859_1));
        Object m;
        while ((m = ch.readInbound()) != null) {
            ReferenceCountUtil.release(m);
        }
        ch.writeOutbound(ok(), Responses.empty(HttpResponseStatus.CONTINUE), ok());
        String out = drain(ch);
        assertThat(out).isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n"
                + "HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nOK\n");
        ch.finishAndReleaseAll();
    }

    private static DefaultFullHttpResponse ok() {
        DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.copiedBuffer("OK\n", StandardCharsets.US_ASCII));
        HttpUtil.setContentLength(r, 3);
        return r;
    }

    private static String drain(EmbeddedChannel ch) {
        StringBuilder s = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            s.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return s.toString();
    }
}
