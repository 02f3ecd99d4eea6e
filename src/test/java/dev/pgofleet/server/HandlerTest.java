package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.config.KeyRing;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each handler on its own, in an EmbeddedChannel. */
class HandlerTest {
    private static final CollectorMetrics METRICS = new CollectorMetrics(() -> 0, () -> 0, () -> 0, () -> 0, () -> 0);
    @TempDir
    Path tmp;

    private AuthKeys keys() throws Exception {
        return new AuthKeys(KeyRing.load("s", Files.writeString(tmp.resolve("s"), "sk")),
                KeyRing.load("m", Files.writeString(tmp.resolve("m"), "mk")));
    }

    private static HttpRequest post(String uri, String auth) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri);
        if (auth != null) {
            r.headers().set(HttpHeaderNames.AUTHORIZATION, auth);
        }
        return r;
    }

    @Test
    void idleCloseSparesAConnectionWaitingForItsAnswer() {
        EmbeddedChannel ch = new EmbeddedChannel(new IdleCloseHandler(), new PipeliningHandler());
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/merge"));
        ((FullHttpRequest) ch.readInbound()).release();
        ch.pipeline().fireUserEventTriggered(io.netty.handler.timeout.IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertThat(ch.isOpen()).as("a long merge is not an idle connection").isTrue();

        ch.writeOutbound(new io.netty.handler.codec.http.DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        ((FullHttpResponse) ch.readOutbound()).release();
        ch.pipeline().fireUserEventTriggered(io.netty.handler.timeout.IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertThat(ch.isOpen()).as("answered and idle: closed").isFalse();
    }

    @Test
    void authPassesAGoodKeyAndItsBody() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new AuthHandler(keys(), METRICS));
        ch.writeInbound(post("/v1/submit", "Bearer sk"), new DefaultLastHttpContent(Unpooled.copiedBuffer(new byte[] {1})));
        assertThat(ch.<Object>readInbound()).isInstanceOf(HttpRequest.class);
        LastHttpContent body = ch.readInbound();
        body.release();
        assertThat(ch.<Object>readOutbound()).isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void authRefusesAWrongKeyWith401DropsTheBodyAndCloses() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new AuthHandler(keys(), METRICS));
        ch.writeInbound(post("/v1/merge", "Bearer sk"), new DefaultLastHttpContent(Unpooled.copiedBuffer(new byte[] {1})));
        assertThat(ch.<Object>readInbound()).isNull();
        FullHttpResponse r = ch.readOutbound();
        assertThat(r.status()).isEqualTo(HttpResponseStatus.UNAUTHORIZED);
        assertThat(r.headers().get(HttpHeaderNames.WWW_AUTHENTICATE)).isEqualTo("Bearer");
        r.release();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void authLetsOtherMethodsAndPathsThroughForRouting() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new AuthHandler(keys(), METRICS));
        ch.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/v1/submit"));
        ch.writeInbound(post("/healthz", null));
        assertThat(ch.<Object>readInbound()).isNotNull();
        assertThat(ch.<Object>readInbound()).isNotNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void routeAnswers404And405AndForwardsTheRest() {
        EmbeddedChannel ch = new EmbeddedChannel(new RouteHandler(true));
        ch.writeInbound(full(HttpMethod.GET, "/nope"));
        FullHttpResponse notFound = ch.readOutbound();
        assertThat(notFound.status()).isEqualTo(HttpResponseStatus.NOT_FOUND);
        notFound.release();
        ch.writeInbound(full(HttpMethod.GET, "/v1/merge"));
        FullHttpResponse wrongMethod = ch.readOutbound();
        assertThat(wrongMethod.status()).isEqualTo(HttpResponseStatus.METHOD_NOT_ALLOWED);
        assertThat(wrongMethod.headers().get(HttpHeaderNames.ALLOW)).isEqualTo("POST");
        wrongMethod.release();
        ch.writeInbound(full(HttpMethod.POST, "/v1/merge?and_combine=true"));
        RoutedRequest routed = ch.readInbound();
        assertThat(routed.endpoint()).isEqualTo(Endpoint.MERGE);
        assertThat(routed.flag("and_combine")).isTrue();
        assertThat(routed.flag("strip_labels")).isFalse();
        routed.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void bodyLimitRefusesADeclaredOversizeBodyWith413BeforeReading() {
        EmbeddedChannel ch = new EmbeddedChannel(new BodyLimitHandler(new InFlightBudget(1000), 100, 1, METRICS));
        HttpRequest r = post("/v1/submit", null);
        HttpUtil.setContentLength(r, 101);
        ch.writeInbound(r);
        FullHttpResponse answer = ch.readOutbound();
        assertThat(answer.status()).isEqualTo(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
        answer.release();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void bodyLimitShedsWith503WhenTheByteBudgetIsSpentAndReturnsItAfterTheAnswer() {
        InFlightBudget budget = new InFlightBudget(150);
        EmbeddedChannel first = new EmbeddedChannel(new BodyLimitHandler(budget, 100, 7, METRICS));
        HttpRequest a = post("/v1/submit", null);
        HttpUtil.setContentLength(a, 100);
        first.writeInbound(a);
        assertThat(budget.used()).isEqualTo(100);
        EmbeddedChannel second = new EmbeddedChannel(new BodyLimitHandler(budget, 100, 7, METRICS));
        second.writeInbound(post("/v1/submit", null)); // chunked: reserves as it goes
        HttpContent chunk = new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[60]));
        second.writeInbound(chunk);
        FullHttpResponse shed = second.readOutbound();
        assertThat(shed.status()).isEqualTo(HttpResponseStatus.SERVICE_UNAVAILABLE);
        assertThat(shed.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("7");
        shed.release();
        assertThat(chunk.refCnt()).as("buffer released at once").isZero();
        first.writeOutbound(Responses.empty(HttpResponseStatus.NO_CONTENT));
        assertThat(budget.used()).isZero();
        first.finishAndReleaseAll();
        second.finishAndReleaseAll();
    }

    @Test
    void pipeliningHoldsTheNextRequestUntilTheAnswerIsWritten() {
        EmbeddedChannel ch = new EmbeddedChannel(new PipeliningHandler());
        ch.writeInbound(full(HttpMethod.GET, "/healthz"), full(HttpMethod.GET, "/second"));
        FullHttpRequest first = ch.readInbound();
        assertThat(first.uri()).isEqualTo("/healthz");
        first.release();
        assertThat(ch.<Object>readInbound()).as("held while the first is worked on").isNull();
        assertThat(ch.config().isAutoRead()).isFalse();
        ch.writeOutbound(Responses.empty(HttpResponseStatus.OK));
        FullHttpRequest second = ch.readInbound();
        assertThat(second.uri()).isEqualTo("/second");
        second.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void ifNoneMatchForms() {
        assertThat(MergeHandler.matches("\"abc\"", "abc")).isTrue();
        assertThat(MergeHandler.matches("W/\"abc\"", "abc")).isTrue();
        assertThat(MergeHandler.matches("abc", "abc")).isTrue();
        assertThat(MergeHandler.matches("\"x\", \"abc\"", "abc")).isTrue();
        assertThat(MergeHandler.matches("*", "abc")).isTrue();
        assertThat(MergeHandler.matches("\"abd\"", "abc")).isFalse();
        assertThat(MergeHandler.matches(null, "abc")).isFalse();
    }

    private static FullHttpRequest full(HttpMethod method, String uri) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, Unpooled.EMPTY_BUFFER);
    }
}
