package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link RequestDeadlineHandler} and its disarming stage around the codec, on the EmbeddedChannel's
 * clock: each row sends some bytes (each step after {@code step} seconds), then lets time pass,
 * and says whether a 408 went out and the connection closed.
 */
class RequestDeadlineHandlerTest {
    private static final String WHOLE = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

    record Case(String name, List<String> sends, long stepSeconds, long thenSeconds, boolean expires) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("nothing received: no deadline (the idle timeout's job)", List.of(), 0, 31, false),
                new Case("a head never finished: 408", List.of("GET /healthz HT"), 0, 31, true),
                new Case("a head finished just in time", List.of("GET /healthz HT", "TP/1.1\r\nHost: x\r\n\r\n"), 29, 31, false),
                new Case("a trickle: 408 counted from the first byte", List.of("POST /v1/submit HTTP/1.1\r\n", "Host: x\r\n",
                        "Content-Length: 5\r\n\r\n", "ab"), 9, 4, true),
                new Case("a body finished in time", List.of("POST /v1/submit HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n",
                        "ab"), 20, 31, false),
                new Case("a whole request, then part of the next: 408 for the next", List.of(WHOLE, "GET /heal"), 25, 31, true),
                new Case("the clock starts again at the next request's first byte", List.of(WHOLE, "GET /heal"), 25, 29, false),
                new Case("a whole chunked request", List.of("POST /v1/submit HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
                        "2\r\nab\r\n", "0\r\n\r\n"), 10, 31, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void deadline(Case c) {
        RequestDeadlineHandler deadline = new RequestDeadlineHandler(Duration.ofSeconds(30));
        EmbeddedChannel ch = new EmbeddedChannel(deadline, new ServerCodec(new HttpDecoderConfig()),
                new RequestDeadlineHandler.Disarm(deadline));
        ch.freezeTime();
        for (int i = 0; i < c.sends().size(); i++) {
            if (i > 0) {
                pass(ch, c.stepSeconds());
            }
            ch.writeInbound(Unpooled.copiedBuffer(c.sends().get(i), StandardCharsets.US_ASCII));
            releaseInbound(ch);
        }
        pass(ch, c.thenSeconds());

        ByteBuf out = ch.readOutbound();
        if (c.expires()) {
            assertThat(out.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 408 Request Timeout\r\n")
                    .contains("Connection: close");
            out.release();
            assertThat(ch.isOpen()).isFalse();
        } else {
            assertThat(out).as("nothing written").isNull();
            assertThat(ch.isOpen()).isTrue();
        }
        ch.finishAndReleaseAll();
    }

    private static void pass(EmbeddedChannel ch, long seconds) {
        ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
    }

    private static void releaseInbound(EmbeddedChannel ch) {
        Object m;
        while ((m = ch.readInbound()) != null) {
            ReferenceCountUtil.release(m);
        }
    }
}
