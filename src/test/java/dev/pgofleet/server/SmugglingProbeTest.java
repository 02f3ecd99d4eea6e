package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.testing.RawHttp;
import dev.pgofleet.testing.RunningCollector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request-smuggling and malformed-framing probes over a raw socket. Each gets a 4xx and the
 * connection closes; a second request smuggled behind it is never processed.
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
        return Stream.of(
                Arguments.of("Content-Length plus Transfer-Encoding",
                        "POST /v1/submit HTTP/1.1\r\nHost: x\r\n" + KEY + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("duplicate Content-Length",
                        "POST /v1/submit HTTP/1.1\r\nHost: x\r\n" + KEY + "Content-Length: 0\r\nContent-Length: 38\r\n\r\n" + SMUGGLED),
                Arguments.of("Transfer-Encoding: chunked, identity",
                        "POST /v1/submit HTTP/1.1\r\nHost: x\r\n" + KEY + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("bare LF in chunk lines",
                        "POST /v1/submit HTTP/1.1\r\nHost: x\r\n" + KEY + "Transfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n" + SMUGGLED),
                Arguments.of("chunk size that overflows",
                        "POST /v1/submit HTTP/1.1\r\nHost: x\r\n" + KEY + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff1\r\nabc\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("NUL bytes before the request line",
                        "\0\0\0POST /v1/submit HTTP/1.1\r\nHost: x\r\n" + KEY + "Content-Length: 0\r\n\r\n" + SMUGGLED),
                Arguments.of("oversized header",
                        "POST /v1/submit HTTP/1.1\r\nHost: x\r\n" + KEY + "X-Big: " + "a".repeat(20_000) + "\r\nContent-Length: 0\r\n\r\n" + SMUGGLED),
                Arguments.of("non-ASCII in Authorization",
                        "POST /v1/submit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \u00e9\u00e9\u00ff\r\nContent-Length: 0\r\n\r\n" + SMUGGLED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("probes")
    void probeIsRefusedAndTheConnectionCloses(String name, String probe) throws Exception {
        int before = c.storedCount();
        try (RawHttp raw = new RawHttp(c.port())) {
            raw.write(probe.getBytes(StandardCharsets.ISO_8859_1));
            String answer = raw.readResponse();
            assertThat(answer).as(name).matches("(?s)HTTP/1.1 (400|413|431) .*");
            String rest = raw.readRest();
            assertThat(rest).as("nothing after the refusal, and the connection closed").isEmpty();
        }
        assertThat(c.storedCount()).isEqualTo(before);
    }
}
