package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.store.StorageException;
import dev.pgofleet.testing.TestData;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link SubmitHandler} in an EmbeddedChannel, one row per outcome. Validation runs on a direct
 * executor and the store is a stand-in that answers at once, so every answer is written before
 * {@code writeInbound} returns.
 */
class SubmitHandlerTest {
    private static final Executor DIRECT = Runnable::run;
    private static final Executor FULL = r -> {
        throw new RejectedExecutionException("queue full");
    };
    private static final byte[] PROFILE = TestData.bytes("profiles/fleet/inst001.pprof");
    private static final Path STORED = Path.of("stored.pprof");

    record Case(String name, Executor workers, Function<byte[], CompletableFuture<Path>> store, long unfolded,
                byte[] body, boolean keepAlive, int status, String reason, String outcome, String shedReason) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        Function<byte[], CompletableFuture<Path>> stores = b -> CompletableFuture.completedFuture(STORED);
        byte[] junk = "not a profile".getBytes(StandardCharsets.US_ASCII);
        return Stream.of(
                new Case("stored: 204", DIRECT, stores, 0, PROFILE, true, 204, null, "accepted", null),
                new Case("stored, client closes: 204 and close", DIRECT, stores, 0, PROFILE, false, 204, null, "accepted", null),
                new Case("not a profile: 400 with the reason", DIRECT, stores, 0, junk, true, 400, "invalid profile: ", "invalid", null),
                new Case("empty body: 400", DIRECT, stores, 0, new byte[0], true, 400, "invalid profile: ", "invalid", null),
                new Case("worker queue full: 503", FULL, stores, 0, PROFILE, true, 503, "overloaded: ", "shed", "workers"),
                new Case("compaction backlog at the limit: 503", DIRECT, stores, 10, PROFILE, true, 503, "overloaded: ", "shed",
                        "compaction"),
                new Case("I/O queue full: 503", DIRECT, b -> CompletableFuture.failedFuture(new RejectedExecutionException("io")),
                        0, PROFILE, true, 503, "overloaded: ", "shed", "io"),
                new Case("disk full: 503", DIRECT,
                        b -> CompletableFuture.failedFuture(new StorageException("no space", new IOException("ENOSPC"))),
                        0, PROFILE, true, 503, "storage unavailable: ", "storage_error", null),
                new Case("a bug of ours: 500 without details", DIRECT,
                        b -> CompletableFuture.failedFuture(new IllegalStateException("boom")),
                        0, PROFILE, true, 500, "internal error", "internal_error", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void answers(Case c) {
        CollectorMetrics metrics = new CollectorMetrics(() -> 0, () -> 0, () -> 0, () -> 0, () -> 0);
        List<byte[]> stored = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new SubmitHandler(c.workers(), b -> {
            stored.add(b);
            return c.store().apply(b);
        }, () -> c.unfolded(), DecodeLimits.DEFAULT, 7, metrics, 10));

        ch.writeInbound(request(c.body(), c.keepAlive()));

        FullHttpResponse r = ch.readOutbound();
        assertThat(r.status().code()).isEqualTo(c.status());
        String body = r.content().toString(StandardCharsets.UTF_8);
        if (c.reason() == null) {
            assertThat(body).isEmpty();
        } else {
            assertThat(body).startsWith(c.reason()).endsWith("\n").hasLineCount(1).doesNotContain("Exception");
        }
        assertThat(r.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo(c.status() == 503 ? "7" : null);
        assertThat(HttpUtil.isKeepAlive(r)).isEqualTo(c.keepAlive());
        assertThat(ch.isOpen()).isEqualTo(c.keepAlive());
        r.release();
        assertThat(ch.<Object>readOutbound()).as("one answer").isNull();

        assertThat(metrics.submits.labelValues("default", c.outcome()).get()).isEqualTo(1.0);
        if (c.shedReason() != null) {
            assertThat(metrics.shed.labelValues(c.shedReason()).get()).isEqualTo(1.0);
        }
        boolean validated = c.status() != 400 && c.workers() == DIRECT && c.unfolded() < 10;
        assertThat(stored).as("the store sees exactly the valid profiles it is offered").hasSize(validated ? 1 : 0);
        ch.finishAndReleaseAll();
    }

    private static RoutedRequest request(byte[] body, boolean keepAlive) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/submit",
                Unpooled.wrappedBuffer(body));
        HttpUtil.setKeepAlive(req, keepAlive);
        return new RoutedRequest(Endpoint.SUBMIT, req, new QueryStringDecoder(req.uri()));
    }
}
