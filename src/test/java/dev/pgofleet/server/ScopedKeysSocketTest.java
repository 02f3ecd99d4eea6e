package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.config.KeyRing;
import dev.pgofleet.testing.Poll;
import dev.pgofleet.testing.RawHttp;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scoped keys on a real socket: 403 before the body is read, and reloads that change a key's scope. */
class ScopedKeysSocketTest {
    private static final String SUBMIT_KEYS = "fleet-wide\nshop-key checkout payments\n";
    private static final String MERGE_KEYS = "merge-all\nshop-merge checkout\n";

    @TempDir
    Path tmp;
    private RunningCollector c;
    private final byte[] profile = TestData.bytes("profiles/fleet/inst001.pprof");

    private void start(Map<String, String> env) throws Exception {
        c = RunningCollector.start(tmp, env, (config, keys) -> {
            Files.writeString(config.submitKeysFile(), SUBMIT_KEYS);
            Files.writeString(config.mergeKeysFile(), MERGE_KEYS);
            return CollectorServer.start(config, new AuthKeys(KeyRing.load("submit", config.submitKeysFile()),
                    KeyRing.load("merge", config.mergeKeysFile())));
        });
    }

    @AfterEach
    void stop() {
        if (c != null) {
            c.close();
        }
    }

    private HttpResponse<String> submit(String key, String query) {
        // Chunked, as the embedded Go package sends it.
        return c.send(HttpRequest.newBuilder(c.uri("/v1/submit" + query)).header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(profile))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private int merge(String key, String query) {
        return c.send(HttpRequest.newBuilder(c.uri("/v1/merge" + query)).header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private String metrics() {
        return c.send(HttpRequest.newBuilder(c.uri("/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void aScopedKeyGets403ForAnotherServiceWithoutItsBodyBeingAskedFor() throws Exception {
        start(Map.of());
        String head = "POST /v1/submit?service=search HTTP/1.1\r\nHost: x\r\nContent-Length: " + profile.length
                + "\r\nExpect: 100-continue\r\nAuthorization: Bearer shop-key\r\n\r\n";
        try (RawHttp raw = new RawHttp(c.port())) {
            raw.write(head);
            String r = raw.readResponse();
            assertThat(r).startsWith("HTTP/1.1 403").doesNotContain("100 Continue")
                    .endsWith("\r\n\r\nforbidden: this key may not use service 'search'\n");
            assertThat(raw.closedByServer()).as("closed with the body unread").isTrue();
        }
        HttpResponse<String> noService = submit("shop-key", "");
        assertThat(noService.statusCode()).as("the default service is outside the scope too").isEqualTo(403);
        assertThat(c.storedCount()).isZero();
        assertThat(metrics()).contains("pgof_submits_total{outcome=\"forbidden\",service=\"_unknown\"} 1.0")
                .contains("pgof_submits_total{outcome=\"forbidden\",service=\"default\"} 1.0");

        assertThat(submit("shop-key", "?service=payments").statusCode()).isEqualTo(204);
        assertThat(submit("fleet-wide", "?service=search").statusCode()).isEqualTo(204);
        assertThat(submit("fleet-wide", "").statusCode()).as("today's clients").isEqualTo(204);
        assertThat(c.storedCount()).isEqualTo(3);
        assertThat(merge("shop-merge", "?service=payments")).isEqualTo(403);
        assertThat(merge("shop-merge", "?service=checkout&strip_labels=true")).isNotEqualTo(403);
        assertThat(merge("merge-all", "")).isEqualTo(200);
    }

    @Test
    void sighupReloadGivesAKeyItsNewScope() throws Exception {
        start(Map.of());
        assertThat(merge("shop-merge", "?service=payments")).isEqualTo(403);
        Files.writeString(c.dir.resolve("merge_keys"), "merge-all\nshop-merge payments # moved to payments\n");
        c.server.reloadKeys();
        Poll.until("the reloaded scope allows payments", Duration.ofSeconds(10),
                () -> merge("shop-merge", "?service=payments") != 403);
        assertThat(merge("shop-merge", "?service=checkout")).isEqualTo(403);
        assertThat(merge("merge-all", "?service=checkout")).isNotEqualTo(403);
    }

    @Test
    void aChangedKeyFileIsReloadedWithItsScopes() throws Exception {
        start(Map.of("PGOF_KEY_RELOAD_INTERVAL", "50ms"));
        assertThat(submit("shop-key", "?service=search").statusCode()).isEqualTo(403);
        Files.writeString(c.dir.resolve("submit_keys"), "fleet-wide\nshop-key checkout\nshop-key search\n");
        Poll.until("the changed file lets shop-key submit to search", Duration.ofSeconds(10),
                () -> submit("shop-key", "?service=search").statusCode() == 204);
        assertThat(submit("shop-key", "?service=checkout").statusCode()).isEqualTo(204);
        assertThat(submit("shop-key", "?service=payments").statusCode()).as("no longer in its scope").isEqualTo(403);

        // A file that fails to load keeps the previous keys and scopes.
        Files.writeString(c.dir.resolve("submit_keys"), "fleet-wide\nshop-key Checkout\n");
        Poll.until("the failed reload is counted", Duration.ofSeconds(10),
                () -> metrics().contains("pgof_key_reload_failures_total 1.0"));
        assertThat(submit("shop-key", "?service=search").statusCode()).isEqualTo(204);
    }
}
