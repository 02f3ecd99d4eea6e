package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.EnumSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link RouteHandler} on request heads, one row per case: the endpoint it routes to, or the answer
 * it gives at once, and whether the connection stays open. Metrics are turned off here, so
 * {@code /metrics} is unknown.
 */
class RouteHandlerTest {
    /** -1 for "routed", else the status of the answer. */
    record Case(String method, String uri, long contentLength, int status, Endpoint endpoint, boolean open, String param) {
        @Override
        public String toString() {
            return method + " " + uri + (contentLength > 0 ? " with a body" : "");
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("POST", "/v1/submit", 10, -1, Endpoint.SUBMIT, true, null),
                new Case("POST", "/v1/merge?strip_labels=true", 0, -1, Endpoint.MERGE, true, "strip_labels=true"),
                new Case("POST", "http://collector:8080/v1/merge?since=1h", 0, -1, Endpoint.MERGE, true, "since=1h"),
                new Case("GET", "https://collector/healthz", 0, -1, Endpoint.HEALTH, true, null),
                new Case("DELETE", "/healthz", 0, -1, Endpoint.HEALTH, true, null),
                new Case("GET", "/readyz?x=%41", 0, -1, Endpoint.READY, true, "x=A"),
                new Case("GET", "/readyz?x=%C3%28", 0, -1, Endpoint.READY, true, null), // not UTF-8: routed, not thrown
                new Case("GET", "/v1/%73ubmit", 0, 405, null, true, null), // %73 is "s": the decoded path is the submit path
                new Case("GET", "/metrics", 0, 404, null, true, null),
                new Case("GET", "/nope", 0, 404, null, true, null),
                new Case("POST", "/nope", 10, 404, null, false, null),
                new Case("POST", "/v1%2Fsubmit", 10, 404, null, false, null),
                new Case("POST", "/v1%2fsubmit", 0, 404, null, true, null),
                new Case("GET", "/v1/submit", 0, 405, null, true, null),
                new Case("PUT", "/v1/merge", 5, 405, null, false, null),
                new Case("GET", "/healthz", 5, 413, null, false, null),
                new Case("POST", "/v1/merge", 5, 413, null, false, null),
                new Case("GET", "/healthz#top", 0, 400, null, false, null),
                new Case("GET", "/health%zz", 0, 400, null, false, null),
                new Case("GET", "/healthz?since=%", 0, 400, null, false, null),
                new Case("GET", "*", 0, 400, null, false, null),
                new Case("GET", "ftp://x/healthz", 0, 400, null, false, null),
                // ?service=NAME: checked on the head, before any key or body
                new Case("POST", "/v1/submit?service=svc-a.v2_x", 10, -1, Endpoint.SUBMIT, true, "service=svc-a.v2_x"),
                new Case("POST", "/v1/merge?service=" + "a".repeat(64), 0, -1, Endpoint.MERGE, true, "service=" + "a".repeat(64)),
                new Case("GET", "/v1/services", 0, -1, Endpoint.SERVICES, true, null),
                new Case("GET", "/healthz?service=UP", 0, -1, Endpoint.HEALTH, true, "service=UP"), // names no service
                new Case("POST", "/v1/submit?service=Payments", 10, 400, null, false, null),
                new Case("POST", "/v1/submit?service=..", 10, 400, null, false, null),
                new Case("POST", "/v1/merge?service=a..b", 0, 400, null, true, null),
                new Case("POST", "/v1/merge?service=%2e%2e", 0, 400, null, true, null),
                new Case("POST", "/v1/merge?service=a%2Fb", 0, 400, null, true, null),
                new Case("POST", "/v1/merge?service=a/b", 0, 400, null, true, null),
                new Case("POST", "/v1/merge?service=%41pi", 0, 400, null, true, null),
                new Case("POST", "/v1/merge?service=a+b", 0, 400, null, true, null),
                new Case("POST", "/v1/merge?service=a%00b", 0, 400, null, true, null),
                new Case("POST", "/v1/merge?service=.hidden", 0, 400, null, true, null),
                new Case("POST", "/v1/merge?service=-x", 0, 400, null, true, null),
                new Case("POST", "/v1/merge?service=", 0, 400, null, true, null),
                new Case("POST", "/v1/merge?service", 0, 400, null, true, null),
                new Case("POST", "/v1/merge?service=" + "a".repeat(65), 0, 400, null, true, null),
                new Case("POST", "/v1/merge?service=a&service=a", 0, 400, null, true, null),
                new Case("GET", "/v1/summary?service=%C3%A9t%C3%A9", 0, 400, null, true, null),
                new Case("GET", "/v1/flamegraph?service=a%20b", 0, 400, null, true, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void routes(Case c) {
        EnumSet<Endpoint> enabled = EnumSet.allOf(Endpoint.class);
        enabled.remove(Endpoint.METRICS);
        EmbeddedChannel ch = new EmbeddedChannel(new RouteHandler(enabled));
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(c.method()), c.uri());
        head.headers().set(HttpHeaderNames.HOST, "collector");
        HttpUtil.setContentLength(head, c.contentLength());
        HttpUtil.set100ContinueExpected(head, true);
        ch.writeInbound(head);
        if (c.status() < 0) {
            HttpRequest routed = ch.readInbound();
            assertThat(Route.of(ch).endpoint()).isEqualTo(c.endpoint());
            if (c.param() != null) {
                String[] kv = c.param().split("=");
                assertThat(Route.of(ch).query().parameters().get(kv[0])).containsExactly(kv[1]);
            }
            assertThat(HttpUtil.is100ContinueExpected(routed)).as("100 Continue only where a body is taken")
                    .isEqualTo(c.endpoint().takesBody);
        } else {
            assertThat(ch.<Object>readInbound()).isNull();
            if (c.open()) {
                assertThat(ch.<Object>readOutbound()).as("answered once the request is complete").isNull();
            }
        }
        if (c.open()) {
            ch.writeInbound(c.contentLength() > 0 ? new DefaultLastHttpContent(Unpooled.wrappedBuffer(new byte[(int) c.contentLength()]))
                    : LastHttpContent.EMPTY_LAST_CONTENT);
        }
        if (c.status() < 0) {
            ReferenceCountUtil.release(ch.readInbound());
            assertThat(ch.<Object>readOutbound()).isNull();
        } else {
            assertThat(ch.<Object>readInbound()).as("a refused request's body goes nowhere").isNull();
            FullHttpResponse r = ch.readOutbound();
            assertThat(r.status().code()).isEqualTo(c.status());
            if (c.status() == 405) {
                assertThat(r.headers().get(HttpHeaderNames.ALLOW)).isEqualTo("POST");
            }
            if (c.status() == 400 && c.uri().contains("service")) {
                assertThat(r.content().toString(java.nio.charset.StandardCharsets.UTF_8)).startsWith("bad request: ")
                        .containsPattern("service").endsWith("\n").hasLineCount(1);
            }
            if (c.status() == 404) {
                assertThat(r.content().toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(
                        "not found: the endpoints are POST /v1/submit, POST /v1/merge, /healthz, /readyz, GET /v1/summary, GET /v1/flamegraph, GET /v1/services, GET /ui/\n");
            }
            r.release();
        }
        assertThat(ch.isOpen()).isEqualTo(c.open());
        ch.finishAndReleaseAll();
    }
}
