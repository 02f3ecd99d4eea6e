package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The route model through the real pipeline on a real socket: every path x method x key kind, and
 * the status each gets, written out here independently of {@link Endpoint}.
 */
class RouteTableTest {
    @TempDir
    Path tmp;

    private static final List<String> PATHS = List.of("/v1/submit", "/v1/merge", "/healthz", "/readyz", "/metrics",
            "/v1/summary", "/v1/flamegraph", "/ui/", "/nope", "/v1%2Fsubmit", "/v1/submit/", "/V1/SUBMIT");
    private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "DELETE");
    private static final Map<String, String> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("no key", null);
        KEYS.put("submit key", "Bearer " + RunningCollector.SUBMIT_KEY);
        KEYS.put("merge key", "Bearer " + RunningCollector.MERGE_KEY);
        KEYS.put("unknown key", "Bearer not-a-key");
    }

    /** The table: what each request must get. */
    private static int expected(String path, String method, String key) {
        boolean post = method.equals("POST");
        return switch (path) {
            case "/v1/submit" -> !post ? 405 : key.equals("submit key") ? 204 : 401;
            case "/v1/merge" -> !post ? 405 : key.equals("merge key") ? 200 : 401;
            case "/healthz", "/readyz", "/metrics" -> 200; // any method, no key, as the original's /healthz
            case "/v1/summary", "/v1/flamegraph" -> !method.equals("GET") ? 405 : key.equals("merge key") ? 200 : 401;
            case "/ui/" -> method.equals("GET") ? 200 : 405; // public: the page holds no data
            default -> 404;
        };
    }

    @Test
    void everyPathMethodAndKeyGetsItsStatus() throws Exception {
        byte[] profile = TestData.bytes("profiles/fleet/inst001.pprof");
        try (RunningCollector c = RunningCollector.start(tmp, Map.of())) {
            assertThat(c.submit(profile).statusCode()).as("something to merge").isEqualTo(204);
            Map<String, Integer> want = new LinkedHashMap<>();
            Map<String, Integer> got = new LinkedHashMap<>();
            for (String path : PATHS) {
                for (String method : METHODS) {
                    for (Map.Entry<String, String> key : KEYS.entrySet()) {
                        String row = method + " " + path + " with " + key.getKey();
                        // A profile goes to the submit endpoint; every other request has no body.
                        HttpRequest.BodyPublisher body = path.equals("/v1/submit") && !method.equals("GET")
                                && !method.equals("HEAD") ? HttpRequest.BodyPublishers.ofByteArray(profile)
                                : HttpRequest.BodyPublishers.noBody();
                        HttpRequest.Builder b = HttpRequest.newBuilder(c.uri(path)).method(method, body);
                        if (key.getValue() != null) {
                            b.header("Authorization", key.getValue());
                        }
                        HttpResponse<byte[]> r = c.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
                        want.put(row, expected(path, method, key.getKey()));
                        got.put(row, r.statusCode());
                        if (r.statusCode() == 405) {
                            assertThat(r.headers().firstValue("allow")).as(row).hasValue(path.equals("/v1/submit") || path.equals("/v1/merge") ? "POST" : "GET");
                        }
                        if (r.statusCode() == 401) {
                            assertThat(r.headers().firstValue("www-authenticate")).as(row).hasValue("Bearer");
                        }
                        if (method.equals("HEAD")) {
                            assertThat(r.body()).as(row + ": no body").isEmpty();
                        }
                    }
                }
            }
            assertThat(got).isEqualTo(want);
        }
    }
}
