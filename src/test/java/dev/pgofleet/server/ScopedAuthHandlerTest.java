package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.config.KeyRing;
import dev.pgofleet.config.ServiceScope;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key check with scoped keys ({@code KEY svc ...}), after routing as in the pipeline. */
class ScopedAuthHandlerTest {
    @TempDir
    Path tmp;

    private final CollectorMetrics metrics = new CollectorMetrics(() -> 0, () -> 0, () -> 0, () -> 0, () -> 0);

    private EmbeddedChannel channel() throws Exception {
        AuthKeys keys = new AuthKeys(
                KeyRing.load("s", Files.writeString(tmp.resolve("s"), "all\nshop checkout payments # two services\nold default\n")),
                KeyRing.load("m", Files.writeString(tmp.resolve("m"), "mall\nmshop checkout\n")));
        return new EmbeddedChannel(new RouteHandler(EnumSet.allOf(Endpoint.class)), new AuthHandler(keys, metrics));
    }

    private static HttpRequest request(HttpMethod method, String uri, String key) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        r.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + key);
        return r;
    }

    private static LastHttpContent body() {
        return new DefaultLastHttpContent(Unpooled.copiedBuffer(new byte[] {1, 2, 3}));
    }

    /** Submits refused for their scope, counted under a service that does not exist. */
    private double forbiddenSubmits() {
        return metrics.submits.labelValues(CollectorMetrics.UNKNOWN_SERVICE, Outcome.FORBIDDEN.metricLabel).get();
    }

    /** Passes the request and its body on, with the key's scope on the route; returns that scope. */
    private static ServiceScope passes(EmbeddedChannel ch, HttpRequest req) {
        ch.writeInbound(req, body());
        assertThat(ch.<Object>readOutbound()).as(req.uri()).isNull();
        assertThat(ch.<Object>readInbound()).isSameAs(req);
        LastHttpContent content = ch.readInbound();
        content.release();
        return Route.of(ch).scope();
    }

    @Test
    void aScopedKeyPassesForItsServicesAndItsScopeTravelsOnTheRoute() throws Exception {
        EmbeddedChannel ch = channel();
        ServiceScope s = passes(ch, request(HttpMethod.POST, "/v1/submit?service=payments", "shop"));
        assertThat(s.services()).containsExactly("checkout", "payments");
        assertThat(passes(ch, request(HttpMethod.POST, "/v1/submit?service=checkout", "shop")).isAll()).isFalse();
        assertThat(passes(ch, request(HttpMethod.POST, "/v1/merge?service=checkout&since=1h", "mshop")).services())
                .containsExactly("checkout");
        assertThat(passes(ch, request(HttpMethod.POST, "/v1/submit", "old")).services())
                .as("a key scoped to default serves requests naming no service").containsExactly("default");
        ch.finishAndReleaseAll();
    }

    @Test
    void anUnscopedKeyServesEveryServiceAsToday() throws Exception {
        EmbeddedChannel ch = channel();
        assertThat(passes(ch, request(HttpMethod.POST, "/v1/submit?service=anything", "all"))).isSameAs(ServiceScope.ALL);
        assertThat(passes(ch, request(HttpMethod.POST, "/v1/submit", "all"))).isSameAs(ServiceScope.ALL);
        assertThat(passes(ch, request(HttpMethod.POST, "/v1/merge?service=x", "mall"))).isSameAs(ServiceScope.ALL);
        ch.finishAndReleaseAll();
    }

    @Test
    void aSubmitOutsideTheKeysScopeIs403WithoutReadingTheBodyAndIsCounted() throws Exception {
        EmbeddedChannel ch = channel();
        LastHttpContent content = body();
        ch.writeInbound(request(HttpMethod.POST, "/v1/submit?service=search", "shop"), content);
        assertThat(ch.<Object>readInbound()).as("nothing reaches the later stages").isNull();
        assertThat(content.refCnt()).as("the body is dropped at once").isZero();
        FullHttpResponse r = ch.readOutbound();
        assertThat(r.status()).isEqualTo(HttpResponseStatus.FORBIDDEN);
        assertThat(r.content().toString(StandardCharsets.UTF_8)).isEqualTo("forbidden: this key may not use service 'search'\n");
        assertThat(r.headers().get(HttpHeaderNames.WWW_AUTHENTICATE)).isEqualTo("Bearer error=\"insufficient_scope\"");
        assertThat(r.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
        r.release();
        assertThat(ch.isOpen()).isFalse();
        assertThat(forbiddenSubmits()).isEqualTo(1);
        ch.finishAndReleaseAll();
    }

    @Test
    void theDefaultServiceIsOutsideAScopeThatDoesNotNameIt() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(request(HttpMethod.POST, "/v1/submit", "shop"), body());
        FullHttpResponse r = ch.readOutbound();
        assertThat(r.status()).isEqualTo(HttpResponseStatus.FORBIDDEN);
        assertThat(r.content().toString(StandardCharsets.UTF_8)).contains("service 'default'");
        r.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void mergesAndViewsOutsideTheScopeAre403AndNotCountedAsSubmits() throws Exception {
        for (String uri : new String[] {"POST /v1/merge?service=payments", "GET /v1/summary?service=payments",
                "GET /v1/flamegraph"}) {
            EmbeddedChannel ch = channel();
            String[] parts = uri.split(" ");
            ch.writeInbound(request(HttpMethod.valueOf(parts[0]), parts[1], "mshop"), new DefaultLastHttpContent());
            FullHttpResponse r = ch.readOutbound();
            assertThat(r.status()).as(uri).isEqualTo(HttpResponseStatus.FORBIDDEN);
            assertThat(r.content().toString(StandardCharsets.UTF_8)).as(uri).startsWith("forbidden: this key may not use ");
            r.release();
            assertThat(ch.isOpen()).isFalse();
            ch.finishAndReleaseAll();
        }
        assertThat(forbiddenSubmits()).isZero();
    }

    @Test
    void aKeyOfTheWrongKindIsStill401EvenForAServiceItsOtherRingAllows() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(request(HttpMethod.POST, "/v1/merge?service=checkout", "shop"), body());
        FullHttpResponse r = ch.readOutbound();
        assertThat(r.status()).isEqualTo(HttpResponseStatus.UNAUTHORIZED);
        r.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void endpointsWithoutKeysIgnoreTheService() throws Exception {
        EmbeddedChannel ch = channel();
        HttpRequest health = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/healthz?service=x");
        ch.writeInbound(health);
        assertThat(ch.<Object>readInbound()).isSameAs(health);
        assertThat(ch.<Object>readOutbound()).isNull();
        ch.finishAndReleaseAll();
    }
}
