package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.testing.Canonical;
import dev.pgofleet.testing.CollectorProcess;
import dev.pgofleet.testing.Poll;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docker/nginx.conf with real nginx (ports substituted) in front of the collector. */
class NginxFrontTest {
    private static final Path NGINX = Path.of("/usr/sbin/nginx");
    @TempDir
    static Path tmp;
    static RunningCollector collector;
    static Process nginx;
    static int port;
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(NGINX)) {
            System.out.println("nginx not installed (apt-get install nginx-light; .ci/run does): nginx front tests SKIPPED");
            Assumptions.abort("nginx not installed");
        }
        collector = RunningCollector.start(tmp.resolve("collector"), Map.of());
        port = CollectorProcess.freePort();
        Path prefix = Files.createDirectories(tmp.resolve("nginx"));
        String conf = Files.readString(Path.of("docker/nginx.conf"))
                .replace("server 127.0.0.1:8080;", "server 127.0.0.1:" + collector.port() + ";")
                .replace("listen 8000;", "listen 127.0.0.1:" + port + ";")
                .replace("worker_processes auto;", "worker_processes 1;\ndaemon off;\npid " + prefix.resolve("nginx.pid") + ";\n"
                        + "error_log " + prefix.resolve("error.log") + " warn;\n"
                        + ("root".equals(System.getProperty("user.name")) ? "user root;\n" : ""))
                .replace("http {", "http {\n    access_log " + prefix.resolve("access.log") + ";\n"
                        + "    client_body_temp_path " + prefix.resolve("body") + ";\n"
                        + "    proxy_temp_path " + prefix.resolve("proxy") + ";\n"
                        + "    fastcgi_temp_path " + prefix.resolve("fastcgi") + ";\n"
                        + "    uwsgi_temp_path " + prefix.resolve("uwsgi") + ";\n"
                        + "    scgi_temp_path " + prefix.resolve("scgi") + ";\n");
        Path confFile = Files.writeString(prefix.resolve("nginx.conf"), conf);
        nginx = new ProcessBuilder(NGINX.toString(), "-p", prefix.toString(), "-c", confFile.toString())
                .redirectErrorStream(true).redirectOutput(prefix.resolve("stdout.log").toFile()).start();
        Poll.until("nginx listening on " + port, Duration.ofSeconds(5), () -> {
            if (!nginx.isAlive()) {
                throw new IllegalStateException("nginx exited: " + Files.readString(prefix.resolve("stdout.log")));
            }
            return Poll.accepts(port);
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (nginx != null) {
            nginx.destroy();
            nginx.waitFor(10, TimeUnit.SECONDS);
        }
        if (collector != null) {
            collector.close();
        }
    }

    private static HttpResponse<byte[]> post(String path, String key, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void submitAndMergeThroughNginx() throws Exception {
        int before = collector.storedCount();
        assertThat(post("/v1/submit", RunningCollector.SUBMIT_KEY, TestData.bytes("profiles/fleet/inst004.pprof")).statusCode()).isEqualTo(204);
        assertThat(collector.storedCount()).isEqualTo(before + 1);
        HttpResponse<byte[]> merged = post("/v1/merge", RunningCollector.MERGE_KEY, new byte[0]);
        assertThat(merged.statusCode()).isEqualTo(200);
        assertThat(merged.headers().firstValue("etag")).isPresent();
        assertThat(Canonical.of(merged.body())).isEqualTo(Canonical.of(collector.merge("").body()));
        assertThat(post("/v1/submit", "wrong", TestData.bytes("profiles/fleet/inst004.pprof")).statusCode()).isEqualTo(401);
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("OK\n");
    }

    @Test
    void theServiceInTheQueryPassesThroughNginx() throws Exception {
        byte[] profile = TestData.bytes("profiles/fleet/inst006.pprof");
        // limit_req may still be refusing after the burst test: retry a 429 as a client would.
        Poll.until("a submit to service via-nginx accepted through nginx", Duration.ofSeconds(20),
                () -> post("/v1/submit?service=via-nginx", RunningCollector.SUBMIT_KEY, profile).statusCode() == 204);
        assertThat(collector.server.services().get("via-nginx")).isNotNull();
        assertThat(collector.server.services().get("via-nginx").store().storedProfiles()).isEqualTo(1);
        HttpResponse<byte[]> merged = post("/v1/merge?service=via-nginx", RunningCollector.MERGE_KEY, new byte[0]);
        assertThat(merged.statusCode()).isEqualTo(200);
        assertThat(merged.body()).isEqualTo(collector.merge("?service=via-nginx").body());
        assertThat(post("/v1/merge?service=..%2F", RunningCollector.MERGE_KEY, new byte[0]).statusCode()).isEqualTo(400);
    }

    @Test
    void aBodyOverTheLimitGets413FromNginx() throws Exception {
        int before = collector.storedCount();
        HttpResponse<byte[]> r = post("/v1/submit", RunningCollector.SUBMIT_KEY, new byte[17 << 20]);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.headers().firstValue("server").orElse("")).startsWith("nginx");
        assertThat(collector.storedCount()).isEqualTo(before);
    }

    @Test
    void aBurstOverLimitReqIsRefusedWhileTheCollectorStaysHealthy() throws Exception {
        byte[] body = TestData.bytes("profiles/fleet/inst005.pprof");
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<Future<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            answers.add(pool.submit(() -> post("/v1/submit", RunningCollector.SUBMIT_KEY, body).statusCode()));
        }
        int accepted = 0, limited = 0;
        for (Future<Integer> f : answers) {
            int code = f.get();
            assertThat(code).isIn(204, 429);
            if (code == 204) {
                accepted++;
            } else {
                limited++;
            }
        }
        pool.shutdown();
        System.out.printf("burst of 150 submits through nginx: %d accepted, %d refused by limit_req%n", accepted, limited);
        assertThat(limited).isPositive();
        assertThat(accepted).isGreaterThanOrEqualTo(40);
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + collector.port() + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }
}
