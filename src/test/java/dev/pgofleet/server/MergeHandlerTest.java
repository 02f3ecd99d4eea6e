package dev.pgofleet.server;

import dev.pgofleet.pprof.ExcludedFunctions;
import dev.pgofleet.pprof.ProfileForm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.store.MergeResult;
import dev.pgofleet.store.StorageException;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link MergeHandler} in an EmbeddedChannel, one row per request form and result: which merge is
 * asked for, and the status, headers and body of the answer. The merges are a stand-in that
 * answers at once.
 */
class MergeHandlerTest {
    private static final byte[] MERGED = {0x1f, (byte) 0x8b, 1, 2, 3};
    private static final MergeResult RESULT = new MergeResult(MERGED, "ab12", 3, 17, MERGED.length);

    /** What the stand-in answers. */
    enum Answer { RESULT, EMPTY, SHED_AT_ONCE, SHED_LATER, DISK_FAILS }

    record Case(String name, String uri, String ifNoneMatch, Answer answer, String call, int status, String body) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("merge: 200 with the profile", "/v1/merge", null, Answer.RESULT, "merge(false)", 200, null),
                new Case("without labels", "/v1/merge?strip_labels=true", null, Answer.RESULT, "merge(true)", 200, null),
                new Case("strip_labels=1 is false, as the original", "/v1/merge?strip_labels=1", null, Answer.RESULT,
                        "merge(false)", 200, null),
                new Case("combine", "/v1/merge?and_combine=true&strip_labels=true", null, Answer.RESULT, "combine(true)", 200, null),
                new Case("window by duration", "/v1/merge?since=72h", null, Answer.RESULT, "since(false)", 200, null),
                new Case("window by time", "/v1/merge?since=2026-11-20T00:00:00Z", null, Answer.RESULT,
                        "since(false,1795132800000)", 200, null),
                new Case("If-None-Match the current ETag: 304", "/v1/merge", "\"ab12\"", Answer.RESULT, "merge(false)", 304, ""),
                new Case("If-None-Match another ETag: 200", "/v1/merge", "\"cd34\"", Answer.RESULT, "merge(false)", 200, null),
                new Case("nothing stored: 404", "/v1/merge", null, Answer.EMPTY, "merge(false)", 404, "no profiles stored yet\n"),
                new Case("since not a time: 400, nothing merged", "/v1/merge?since=yesterday", null, Answer.RESULT, null, 400,
                        "invalid since=yesterday: expected a duration (72h) or an RFC 3339 time\n"),
                new Case("since past the year range: 400", "/v1/merge?since=%2B999999999-01-01T00:00:00Z", null, Answer.RESULT,
                        null, 400, "invalid since=+999999999-01-01T00:00:00Z: a time out of range\n"),
                new Case("merge threads busy: 503", "/v1/merge", null, Answer.SHED_AT_ONCE, "merge(false)", 503,
                        "overloaded: try again later\n"),
                new Case("shed while merging: 503", "/v1/merge", null, Answer.SHED_LATER, "merge(false)", 503,
                        "overloaded: try again later\n"),
                new Case("storage fails: 503", "/v1/merge?and_combine=true", null, Answer.DISK_FAILS, "combine(false)", 503,
                        "storage unavailable: try again later\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void answers(Case c) {
        List<String> calls = new ArrayList<>();
        MergeHandler.Merges merges = new MergeHandler.Merges() {
            @Override
            public CompletableFuture<MergeResult> merge(ProfileForm form) {
                calls.add("merge(" + form.stripLabels() + ")");
                return answer(c.answer());
            }

            @Override
            public CompletableFuture<MergeResult> mergeSince(ProfileForm form, long since) {
                boolean strip = form.stripLabels();
                calls.add(c.uri().contains("T00") ? "since(" + strip + "," + since + ")" : "since(" + strip + ")");
                return answer(c.answer());
            }

            @Override
            public CompletableFuture<MergeResult> combine(ProfileForm form) {
                calls.add("combine(" + form.stripLabels() + ")");
                return answer(c.answer());
            }
        };
        CollectorMetrics metrics = new CollectorMetrics(() -> 0, () -> 0, () -> 0, () -> 0, () -> 0);
        EmbeddedChannel ch = new EmbeddedChannel(new MergeHandler(merges, 5, metrics, ExcludedFunctions.NONE));
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, c.uri(), Unpooled.EMPTY_BUFFER);
        if (c.ifNoneMatch() != null) {
            req.headers().set(HttpHeaderNames.IF_NONE_MATCH, c.ifNoneMatch());
        }
        ch.writeInbound(new RoutedRequest(Endpoint.MERGE, req, new QueryStringDecoder(c.uri())));

        assertThat(calls).containsExactlyElementsOf(c.call() == null ? List.of() : List.of(c.call()));
        FullHttpResponse r = ch.readOutbound();
        assertThat(r.status().code()).isEqualTo(c.status());
        byte[] body = new byte[r.content().readableBytes()];
        r.content().getBytes(0, body);
        if (c.body() == null) {
            assertThat(body).isEqualTo(MERGED);
            assertThat(r.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("application/octet-stream");
            assertThat(r.headers().get("X-Pgof-Profiles")).isEqualTo("3");
        } else {
            assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo(c.body());
        }
        boolean tagged = c.status() == 200 || c.status() == 304;
        assertThat(r.headers().get(HttpHeaderNames.ETAG)).isEqualTo(tagged ? "\"ab12\"" : null);
        assertThat(r.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo(c.status() == 503 ? "5" : null);
        r.release();
        assertThat(ch.isOpen()).as("keep-alive").isTrue();
        ch.finishAndReleaseAll();
    }

    private static CompletableFuture<MergeResult> answer(Answer a) {
        return switch (a) {
            case RESULT -> CompletableFuture.completedFuture(RESULT);
            case EMPTY -> CompletableFuture.completedFuture(MergeResult.EMPTY);
            case SHED_AT_ONCE -> throw new RejectedExecutionException("merge queue full");
            case SHED_LATER -> CompletableFuture.failedFuture(new RejectedExecutionException("later"));
            case DISK_FAILS -> CompletableFuture.failedFuture(new StorageException("read-only", new IOException("EROFS")));
        };
    }
}
