package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.testing.RawHttp;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request-smuggling and malformed-framing probes over a raw socket. Each gets its 4xx or 5xx and
 * the connection closes; a second request smuggled behind it is never processed. Then the forms
 * RFC 9112 allows that a strict reading must keep serving.
 */
class SmugglingProbeTest {
    @TempDir
    static Path tmp;
    static RunningCollector c;

    @BeforeAll
    static void start() throws Exception {
        c = RunningCollector.start(tmp, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        c.close();
    }

    private static final String KEY = "Authorization: Bearer " + RunningCollector.SUBMIT_KEY + "\r\n";
    /** What a smuggler hides after the probe: if it were processed, the answer would be 200 OK. */
    private static final String SMUGGLED = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

    static Stream<Arguments> probes() {
        String submit = "POST /v1/submit HTTP/1.1\r\nHost: x\r\n" + KEY;
        return Stream.of(
                Arguments.of("Content-Length plus Transfer-Encoding", "400",
                        submit + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("duplicate Content-Length", "400",
                        submit + "Content-Length: 0\r\nContent-Length: 38\r\n\r\n" + SMUGGLED),
                Arguments.of("Transfer-Encoding: chunked, identity", "400",
                        submit + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("Transfer-Encoding: gzip, chunked", "400",
                        submit + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("two Transfer-Encoding headers", "400",
                        submit + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("unknown transfer coding", "501",
                        submit + "Transfer-Encoding: frobnicate\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("unknown transfer coding before chunked", "501",
                        submit + "Transfer-Encoding: frobnicate, chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("bare LF in chunk lines", "400",
                        submit + "Transfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n" + SMUGGLED),
                Arguments.of("bare LF ending a header line", "400",
                        "POST /v1/submit HTTP/1.1\nHost: x\r\n" + KEY + "Content-Length: 0\r\n\r\n" + SMUGGLED),
                Arguments.of("chunk size that overflows", "400",
                        submit + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff1\r\nabc\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("NUL bytes before the request line", "400",
                        "\0\0\0POST /v1/submit HTTP/1.1\r\nHost: x\r\n" + KEY + "Content-Length: 0\r\n\r\n" + SMUGGLED),
                Arguments.of("a space before the request line", "400",
                        " POST /v1/submit HTTP/1.1\r\nHost: x\r\n" + KEY + "Content-Length: 0\r\n\r\n" + SMUGGLED),
                Arguments.of("two spaces in the request line", "400",
                        "POST  /v1/submit HTTP/1.1\r\nHost: x\r\n" + KEY + "Content-Length: 0\r\n\r\n" + SMUGGLED),
                Arguments.of("a tab in the request line", "400",
                        "POST /v1/submit\tHTTP/1.1\r\nHost: x\r\n" + KEY + "Content-Length: 0\r\n\r\n" + SMUGGLED),
                Arguments.of("a space after the version", "400",
                        "GET /healthz HTTP/1.1 \r\nHost: x\r\n\r\n" + SMUGGLED),
                Arguments.of("a tab after the version", "400",
                        "POST /v1/submit HTTP/1.1\t\r\nHost: x\r\n" + KEY + "Content-Length: 0\r\n\r\n" + SMUGGLED),
                Arguments.of("HTTP/1.1 without Host", "400",
                        "POST /v1/submit HTTP/1.1\r\n" + KEY + "Content-Length: 0\r\n\r\n" + SMUGGLED),
                Arguments.of("two Host headers", "400",
                        "POST /v1/submit HTTP/1.1\r\nHost: x\r\nHost: y\r\n" + KEY + "Content-Length: 0\r\n\r\n" + SMUGGLED),
                Arguments.of("HTTP/1.2", "505",
                        "POST /v1/submit HTTP/1.2\r\nHost: x\r\n" + KEY + "Content-Length: 0\r\n\r\n" + SMUGGLED),
                Arguments.of("HTTP/2.0 in an HTTP/1 request line", "505",
                        "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n" + SMUGGLED),
                Arguments.of("fragment in the target", "400",
                        "POST /v1/submit#x HTTP/1.1\r\nHost: x\r\n" + KEY + "Content-Length: 0\r\n\r\n" + SMUGGLED),
                Arguments.of("malformed percent-escape in the path", "400",
                        "POST /v1/sub%zzmit HTTP/1.1\r\nHost: x\r\n" + KEY + "Content-Length: 0\r\n\r\n" + SMUGGLED),
                Arguments.of("truncated percent-escape in the query", "400",
                        "POST /v1/submit?a=%4 HTTP/1.1\r\nHost: x\r\n" + KEY + "Content-Length: 0\r\n\r\n" + SMUGGLED),
                Arguments.of("encoded slash is not the submit endpoint", "404",
                        "POST /v1%2Fsubmit HTTP/1.1\r\nHost: x\r\n" + KEY + "Content-Length: 3\r\n\r\nabc" + SMUGGLED),
                Arguments.of("oversized header", "431",
                        submit + "X-Big: " + "a".repeat(20_000) + "\r\nContent-Length: 0\r\n\r\n" + SMUGGLED),
                Arguments.of("non-ASCII in Authorization", "400",
                        "POST /v1/submit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \u00e9\u00e9\u00ff\r\nContent-Length: 0\r\n\r\n" + SMUGGLED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("probes")
    void probeIsRefusedAndTheConnectionCloses(String name, String status, String probe) throws Exception {
        int before = c.storedCount();
        try (RawHttp raw = new RawHttp(c.port())) {
            raw.write(probe.getBytes(StandardCharsets.ISO_8859_1));
            String answer = raw.readResponse();
            assertThat(answer).as(name).startsWith("HTTP/1.1 " + status + " ");
            assertThat(answer).as("a one-line plain reason").matches("(?s).*\r\n\r\n[^\n]+\n");
            String rest = raw.readRest();
            assertThat(rest).as("nothing after the refusal, and the connection closed").isEmpty();
        }
        assertThat(c.storedCount()).isEqualTo(before);
    }

    @Test
    void theAbsoluteFormOfTheTargetIsServed() throws Exception {
        byte[] profile = TestData.bytes("profiles/fleet/inst001.pprof");
        int before = c.storedCount();
        try (RawHttp raw = new RawHttp(c.port())) {
            raw.write("POST http://collector.example:8080/v1/submit HTTP/1.1\r\nHost: collector.example:8080\r\n" + KEY
                    + "Content-Length: " + profile.length + "\r\n\r\n");
            raw.write(profile);
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 204");
            raw.write("GET HTTP://x/healthz?probe=1 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 200").endsWith("OK\n");
        }
        assertThat(c.storedCount()).isEqualTo(before + 1);
    }

    @Test
    void http10WithoutHostIsServed() throws Exception {
        try (RawHttp raw = new RawHttp(c.port())) {
            raw.write("GET /healthz HTTP/1.0\r\n\r\n");
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 200").endsWith("OK\n");
            assertThat(raw.closedByServer()).as("HTTP/1.0 without keep-alive").isTrue();
        }
    }

    @Test
    void aSinceOutOfRangeIs400AndTheConnectionStaysUsable() throws Exception {
        try (RawHttp raw = new RawHttp(c.port())) {
            for (String since : new String[] {"%2B999999999-01-01T00:00:00Z", "+999999999-01-01T00:00:00Z", "-999999999-01-01T00:00:00Z",
                    "yesterday"}) {
                raw.write("POST /v1/merge?since=" + since + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                        + RunningCollector.MERGE_KEY + "\r\nContent-Length: 0\r\n\r\n");
                assertThat(raw.readResponse()).as(since).startsWith("HTTP/1.1 400").contains("invalid since=");
            }
            raw.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void aBodyWhereNoneIsTakenIs413WithoutContinue() throws Exception {
        try (RawHttp raw = new RawHttp(c.port())) {
            raw.write("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n");
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 413").contains("takes none");
            assertThat(raw.closedByServer()).isTrue();
        }
    }
}
