package dev.pgofleet.testing;

import dev.pgofleet.config.CollectorConfig;
import dev.pgofleet.config.KeyRing;
import dev.pgofleet.server.AuthKeys;
import dev.pgofleet.server.CollectorServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** A collector on a real loopback socket and a real temp directory, with an HTTP client for it. */
public final class RunningCollector implements AutoCloseable {
    public static final String SUBMIT_KEY = "submit-key-for-tests";
    public static final String MERGE_KEY = "merge-key-for-tests";

    public final Path dir;
    public final CollectorServer server;
    public final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private RunningCollector(Path dir, CollectorServer server) {
        this.dir = dir;
        this.server = server;
    }

    /** How a test starts the server from its settings and keys (one with an injected fault, say). */
    @FunctionalInterface
    public interface Starter {
        CollectorServer start(CollectorConfig config, AuthKeys keys) throws Exception;
    }

    /** Starts a collector storing under {@code dir}; {@code extra} overrides any PGOF_* variable. */
    public static RunningCollector start(Path dir, Map<String, String> extra) throws Exception {
        return start(dir, extra, CollectorServer::start);
    }

    /** As {@link #start(Path, Map)}, the server started by {@code starter}. */
    public static RunningCollector start(Path dir, Map<String, String> extra, Starter starter) throws Exception {
        Files.createDirectories(dir);
        Path submit = dir.resolve("submit_keys"), merge = dir.resolve("merge_keys");
        Files.writeString(submit, "\n  " + SUBMIT_KEY + "  \n\n");
        Files.writeString(merge, MERGE_KEY + "\n");
        Map<String, String> env = new HashMap<>();
        env.put("PGOF_BIND_ADDRESS", "127.0.0.1:0");
        env.put("PGOF_DIRECTORY", dir.resolve("store").toString());
        env.put("PGOF_SUBMIT_AUTH_KEYS_FILE", submit.toString());
        env.put("PGOF_MERGE_AUTH_KEYS_FILE", merge.toString());
        env.putAll(extra);
        CollectorConfig config = CollectorConfig.fromEnv(env);
        AuthKeys keys = new AuthKeys(KeyRing.load("submit", submit), KeyRing.load("merge", merge));
        return new RunningCollector(dir, starter.start(config, keys));
    }

    public int port() {
        return server.address().getPort();
    }

    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
    }

    public HttpResponse<String> submit(byte[] body) {
        return send(HttpRequest.newBuilder(uri("/v1/submit")).header("Authorization", "Bearer " + SUBMIT_KEY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<byte[]> merge(String query) {
        return send(HttpRequest.newBuilder(uri("/v1/merge" + query)).header("Authorization", "Bearer " + MERGE_KEY)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Number of stored profile files, of every service. */
    public int storedCount() {
        try {
            int n = 0;
            for (var s : server.services().all()) {
                n += s.store().snapshot().size();
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
