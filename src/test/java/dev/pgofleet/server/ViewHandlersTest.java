package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.config.KeyRing;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web page's handlers and the routes and keys of the merge's views, each in an EmbeddedChannel. */
class ViewHandlersTest {
    private static final CollectorMetrics METRICS = new CollectorMetrics(() -> 0, () -> 0, () -> 0, () -> 0, () -> 0);
    @TempDir
    Path tmp;

    private EmbeddedChannel routedUi() {
        return new EmbeddedChannel(new RouteHandler(EnumSet.allOf(Endpoint.class)), new DispatchHandler(), new UiHandler());
    }

    private static FullHttpResponse answer(EmbeddedChannel ch, HttpMethod method, String uri) {
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri));
        return ch.readOutbound();
    }

    @Test
    void thePageAndItsFilesComeWithAStrictPolicy() {
        EmbeddedChannel ch = routedUi();
        for (String uri : new String[] {"/ui/", "/ui/index.html", "/ui/app.js", "/ui/app.css", "/ui/d3.min.js"}) {
            FullHttpResponse r = answer(ch, HttpMethod.GET, uri);
            assertThat(r.status()).as(uri).isEqualTo(HttpResponseStatus.OK);
            assertThat(r.headers().get(HttpHeaderNames.CONTENT_SECURITY_POLICY)).isEqualTo(UiHandler.CSP);
            assertThat(r.headers().get("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(r.headers().get(HttpHeaderNames.CONTENT_TYPE)).endsWith("; charset=utf-8");
            assertThat(r.content().readableBytes()).isPositive();
            r.release();
        }
        FullHttpResponse page = answer(ch, HttpMethod.GET, "/ui/?key=ignored");
        assertThat(page.content().toString(StandardCharsets.UTF_8)).contains("<title>pgo-fleet</title>");
        page.release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void unknownFilesAre404AndOtherMethods405() {
        EmbeddedChannel ch = routedUi();
        FullHttpResponse missing = answer(ch, HttpMethod.GET, "/ui/secret.txt");
        assertThat(missing.status()).isEqualTo(HttpResponseStatus.NOT_FOUND);
        missing.release();
        FullHttpResponse moved = answer(ch, HttpMethod.GET, "/ui");
        assertThat(moved.status()).isEqualTo(HttpResponseStatus.MOVED_PERMANENTLY);
        assertThat(moved.headers().get(HttpHeaderNames.LOCATION)).isEqualTo("/ui/");
        moved.release();
        for (String uri : new String[] {"/ui/", "/v1/summary", "/v1/flamegraph"}) {
            FullHttpResponse post = answer(ch, HttpMethod.POST, uri);
            assertThat(post.status()).as(uri).isEqualTo(HttpResponseStatus.METHOD_NOT_ALLOWED);
            assertThat(post.headers().get(HttpHeaderNames.ALLOW)).isEqualTo("GET");
            post.release();
        }
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void theViewsTakeAMergeKeyAndThePageNone() throws Exception {
        AuthKeys keys = new AuthKeys(KeyRing.load("s", Files.writeString(tmp.resolve("s"), "sk")),
                KeyRing.load("m", Files.writeString(tmp.resolve("m"), "mk")));
        for (String uri : new String[] {"/v1/summary?top=5", "/v1/flamegraph"}) {
            for (String key : new String[] {null, "Bearer sk", "Bearer wrong"}) {
                EmbeddedChannel ch = new EmbeddedChannel(new RouteHandler(EnumSet.allOf(Endpoint.class)), new AuthHandler(keys, METRICS));
                ch.writeInbound(get(uri, key));
                assertThat(ch.<Object>readInbound()).isNull();
                FullHttpResponse r = ch.readOutbound();
                assertThat(r.status()).as(uri + " with " + key).isEqualTo(HttpResponseStatus.UNAUTHORIZED);
                r.release();
                ch.finishAndReleaseAll();
            }
            EmbeddedChannel ok = new EmbeddedChannel(new RouteHandler(EnumSet.allOf(Endpoint.class)), new AuthHandler(keys, METRICS));
            ok.writeInbound(get(uri, "Bearer mk"));
            assertThat(ok.<Object>readInbound()).isInstanceOf(HttpRequest.class);
            assertThat(ok.<Object>readOutbound()).isNull();
            ok.finishAndReleaseAll();
        }
        EmbeddedChannel page = new EmbeddedChannel(new RouteHandler(EnumSet.allOf(Endpoint.class)), new AuthHandler(keys, METRICS));
        page.writeInbound(get("/ui/app.js", null));
        assertThat(page.<Object>readInbound()).as("the page is public").isInstanceOf(HttpRequest.class);
        page.finishAndReleaseAll();
    }

    private static HttpRequest get(String uri, String auth) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        if (auth != null) {
            r.headers().set(HttpHeaderNames.AUTHORIZATION, auth);
        }
        return r;
    }
}
