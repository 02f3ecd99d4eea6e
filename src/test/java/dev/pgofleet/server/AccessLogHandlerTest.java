package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import dev.pgofleet.cli.JsonLogEncoder;
import dev.pgofleet.testing.JsonSyntax;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The access log line as JSON: its fields, an ISO-8601 timestamp, probes only at DEBUG. */
class AccessLogHandlerTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Logger access = (Logger) LoggerFactory.getLogger("access");
    private OutputStreamAppender<ILoggingEvent> appender;
    private Level before;

    @BeforeEach
    void captureAccessLogAsJson() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        JsonLogEncoder encoder = new JsonLogEncoder();
        encoder.setContext(context);
        encoder.start();
        appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(out);
        appender.start();
        before = access.getLevel();
        access.setLevel(Level.INFO);
        access.setAdditive(false);
        access.addAppender(appender);
    }

    @AfterEach
    void restore() {
        access.detachAppender(appender);
        access.setAdditive(true);
        access.setLevel(before);
    }

    private List<String> exchange(String uri, String forwardedFor, HttpResponseStatus status, String body) {
        return exchange(new EmbeddedChannel(new AnswerWatcher(), new AccessLogHandler()), uri, forwardedFor, status, body);
    }

    private List<String> exchange(EmbeddedChannel ch, String uri, String forwardedFor, HttpResponseStatus status, String body) {
        DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri,
                Unpooled.copiedBuffer("12345", StandardCharsets.UTF_8));
        if (forwardedFor != null) {
            req.headers().set("X-Forwarded-For", forwardedFor);
        }
        ch.writeInbound(req);
        ch.<DefaultFullHttpRequest>readInbound().release();
        ch.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8)));
        ch.<DefaultFullHttpResponse>readOutbound().release();
        ch.finishAndReleaseAll();
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void jsonLinesCarryTheRequestAsFields() {
        List<String> lines = exchange("/v1/submit?x=\"1\"", "203.0.113.9", HttpResponseStatus.BAD_REQUEST, "invalid profile");
        assertThat(lines).hasSize(1);
        String l = lines.get(0);
        assertThat(JsonSyntax.isJson(l)).as(l).isTrue();
        assertThat(l).matches("\\{\"timestamp\":\"20\\d\\d-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\",\"level\":\"INFO\",\"logger\":\"access\",.*")
                .contains("\"method\":\"POST\"", "\"path\":\"/v1/submit?x=\\\"1\\\"\"", "\"status\":400", "\"bytes_in\":5",
                        "\"bytes_out\":15", "\"client\":\"embedded\"", "\"forwarded_for\":\"203.0.113.9\"")
                .containsPattern("\"duration_ms\":[0-9]+\\.[0-9]")
                .contains("\"message\":\"POST /v1/submit?x=\\\"1\\\" 400 in=5 out=15 ");
    }

    @Test
    void aRequestForAServiceCarriesItsName() {
        EmbeddedChannel routed = new EmbeddedChannel(new AnswerWatcher(), new AccessLogHandler(),
                new RouteHandler(java.util.EnumSet.allOf(Endpoint.class)));
        assertThat(exchange(routed, "/v1/submit?service=svc-a", null, HttpResponseStatus.NO_CONTENT, "")).singleElement().asString()
                .contains("\"service\":\"svc-a\"", "service=svc-a");
        out.reset();
        routed = new EmbeddedChannel(new AnswerWatcher(), new AccessLogHandler(), new RouteHandler(java.util.EnumSet.allOf(Endpoint.class)));
        assertThat(exchange(routed, "/v1/submit", null, HttpResponseStatus.NO_CONTENT, "")).singleElement().asString()
                .contains("\"service\":\"default\"");
        out.reset();
        assertThat(exchange("/v1/submit?service=svc-a", null, HttpResponseStatus.NO_CONTENT, "")).singleElement().asString()
                .as("not routed: no service known").doesNotContain("\"service\"");
    }

    @Test
    void theMessageHasEveryFieldAndNoControlCharacter() {
        String longPath = "/v1/submit?c=\u0001\u007f;x=" + "a".repeat(300);
        String l = exchange(longPath, "10.0.0.1, 10.0.0.2", HttpResponseStatus.NO_CONTENT, "").get(0);
        assertThat(l).containsPattern("\"message\":\"POST /v1/submit\\?c=\\?\\?;x=a{182}\\.\\.\\. 204 in=5 out=0 [0-9]+\\.[0-9]ms "
                + "client=embedded xff=10\\.0\\.0\\.1, 10\\.0\\.0\\.2\"");
    }

    @Test
    void probesLogAtDebugOnly() {
        assertThat(exchange("/healthz", null, HttpResponseStatus.OK, "OK")).isEmpty();
        assertThat(exchange("/readyz?verbose", null, HttpResponseStatus.OK, "ready")).isEmpty();
        access.setLevel(Level.DEBUG);
        assertThat(exchange("/healthz", null, HttpResponseStatus.OK, "OK")).singleElement().asString()
                .contains("\"level\":\"DEBUG\"", "\"path\":\"/healthz\"").doesNotContain("forwarded_for");
    }
}
