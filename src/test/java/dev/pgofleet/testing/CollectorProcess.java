package dev.pgofleet.testing;

import java.io.IOException;
import java.net.ServerSocket;
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

/** The packaged collector ({@code target/pgo-fleet.jar}) in a JVM of its own, for kill and restart tests. */
public final class CollectorProcess implements AutoCloseable {
    public final Process process;
    public final int port;
    public final Path log;

    private CollectorProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    public static Path jar() {
        String p = System.getProperty("pgofleet.jar", "target/pgo-fleet.jar");
        Path jar = Path.of(p);
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: run 'mvn verify' (integration tests need the packaged jar)");
        }
        return jar;
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts the jar on {@code dir} (key files as in {@link RunningCollector}) and waits for /healthz. */
    /** {@code POST /v1/merge} with the merge key, the answer's body as bytes. */
    public static HttpResponse<byte[]> merge(HttpClient http, int port) throws IOException, InterruptedException {
        return merge(http, port, "");
    }

    /** {@code POST /v1/merge<query>} with the merge key ({@code ?service=NAME}, say). */
    public static HttpResponse<byte[]> merge(HttpClient http, int port, String query) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/merge" + query))
                .timeout(Duration.ofMinutes(10)).header("Authorization", "Bearer " + RunningCollector.MERGE_KEY)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    public static CollectorProcess start(Path dir, int port, List<String> jvmArgs, Map<String, String> env) throws Exception {
        Files.createDirectories(dir);
        Path submit = dir.resolve("submit_keys"), merge = dir.resolve("merge_keys");
        Files.writeString(submit, RunningCollector.SUBMIT_KEY + "\n");
        Files.writeString(merge, RunningCollector.MERGE_KEY + "\n");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-jar");
        cmd.add(jar().toString());
        Path log = Files.createTempFile(dir, "collector-", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PGOF_BIND_ADDRESS", "127.0.0.1:" + port);
        pb.environment().put("PGOF_DIRECTORY", dir.resolve("store").toString());
        pb.environment().put("PGOF_SUBMIT_AUTH_KEYS_FILE", submit.toString());
        pb.environment().put("PGOF_MERGE_AUTH_KEYS_FILE", merge.toString());
        pb.environment().putAll(env);
        CollectorProcess c = new CollectorProcess(pb.start(), port, log);
        // Generous: a replica restarted while the test loads two cores got a tenth of a core and
        // took more than 30 s to start on a slow CI machine; a start that fails ends the wait at once.
        try {
            c.awaitHealthy(Duration.ofSeconds(120));
        } catch (Exception | AssertionError notStarted) {
            c.kill(); // else it outlives the test and slows every later one
            throw notStarted;
        }
        return c;
    }

    private void awaitHealthy(Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try {
            Poll.until("collector healthy on " + port, timeout, () -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("collector exited with " + process.exitValue() + ":\n" + Files.readString(log));
                }
                try {
                    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (IOException notYet) {
                    return false;
                }
            });
        } catch (AssertionError notHealthy) {
            throw new AssertionError(notHealthy.getMessage() + ":\n" + Files.readString(log), notHealthy);
        }
    }

    /** SIGKILL: no shutdown hook, no flush, exactly a crash. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, then the exit code. */
    public int terminate() throws InterruptedException {
        process.destroy();
        return process.waitFor();
    }

    @Override
    public void close() {
        // onExit().join() waits without throwing InterruptedException, as close() should.
        process.destroyForcibly().onExit().join();
    }
}
