package dev.pgofleet.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A sustained submit load against a running collector (loopback only): a warm-up, then the
 * measured run at the same closed-loop load, sampling every second the answers by status and the
 * compaction lag (from /metrics), and taking a merge every {@code --merge-every} seconds,
 * timed. Prints the time series, then accepted/s, refused/s, p50/p99 of accepted submits, the
 * highest lag, the merge latencies, given {@code --pid} the collector's CPU per accepted profile, and
 * this JVM's CPU per answer (it shares the collector's cores; {@link SelectorLoad} keeps the load's part small).
 *
 * <pre>java -cp target/test-classes:target/pgo-fleet.jar dev.pgofleet.bench.SustainedLoad --url http://127.0.0.1:18080 \
 *   --key KEY --merge-key KEY --file profile.pprof --connections 32 --warmup 30 --seconds 300 --merge-every 10 [--pid N]</pre>
 */
public final class SustainedLoad {
    private static final Pattern LAG = Pattern.compile("(?m)^pgof_compaction_lag_profiles(?:\\{[^}]*\\})? ([0-9.eE+]+)$");

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new TreeMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        URI url = URI.create(opts.getOrDefault("url", "http://127.0.0.1:18080"));
        if (!url.getHost().equals("127.0.0.1") && !url.getHost().equals("localhost")) {
            throw new IllegalArgumentException("loopback targets only");
        }
        List<byte[]> bodies = new ArrayList<>();
        for (String f : opts.get("file").split(",")) {
            bodies.add(Files.readAllBytes(Path.of(f)));
        }
        int connections = Integer.parseInt(opts.getOrDefault("connections", "32"));
        double warmup = Double.parseDouble(opts.getOrDefault("warmup", "30"));
        double seconds = Double.parseDouble(opts.getOrDefault("seconds", "300"));
        int mergeEvery = Integer.parseInt(opts.getOrDefault("merge-every", "10"));
        String key = opts.get("key"), mergeKey = opts.get("merge-key");
        String pid = opts.get("pid");

        System.out.printf("warm-up %.0f s: %s%n", warmup,
                SelectorLoad.run(url, key, bodies, connections, warmup, Integer.MAX_VALUE, 1, new ConcurrentHashMap<>()));

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        LoadGenerator.Result[] result = new LoadGenerator.Result[1];
        long cpu0 = pid == null ? -1 : cpuTicks(pid), ownCpu0 = cpuTicks("self");
        IOException[] failure = new IOException[1];
        Thread load = new Thread(() -> {
            try {
                result[0] = SelectorLoad.run(url, key, bodies, connections, seconds, Integer.MAX_VALUE, 1, statuses);
            } catch (IOException e) {
                failure[0] = e;
            }
        }, "sustained-load");
        load.start();
        long start = System.nanoTime();
        // Merges run on their own thread, so that a slow merge does not hold up the per-second figures.
        List<Long> mergeMillis = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread merges = new Thread(() -> {
            for (int k = 1; mergeEvery > 0; k++) {
                if (!sleepUntil(start + k * mergeEvery * 1_000_000_000L, load)) {
                    return;
                }
                long m = merge(url, mergeKey);
                mergeMillis.add(m);
                System.out.printf("%6.1f  merge asked at %d s: %d ms%n", (System.nanoTime() - start) / 1e9, k * mergeEvery, m);
            }
        }, "sustained-merges");
        merges.start();
        long maxLag = -1, lastAccepted = 0, lastRefused = 0;
        System.out.println("   t  accepted/s  refused/s  lag");
        for (int t = 1; sleepUntil(start + t * 1_000_000_000L, load); t++) {
            long accepted = count(statuses, 204), refused = count(statuses, 503);
            long lag = lag(http, url);
            maxLag = Math.max(maxLag, lag);
            System.out.printf("%4d  %10d  %9d  %5s%n", t, accepted - lastAccepted, refused - lastRefused, lag < 0 ? "-" : lag);
            lastAccepted = accepted;
            lastRefused = refused;
        }
        merges.join();
        load.join();
        if (failure[0] != null) {
            throw failure[0];
        }
        LoadGenerator.Result r = result[0];
        long cpu1 = pid == null ? -1 : cpuTicks(pid), ownCpu1 = cpuTicks("self");
        long accepted = r.statuses().getOrDefault(204, 0L), refused = r.statuses().getOrDefault(503, 0L);
        long[] mergesMs = mergeMillis.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("measured %.1f s, %d connections: accepted %.0f/s, refused %.0f/s (statuses %s, connection errors %d)%n",
                r.seconds(), connections, accepted / r.seconds(), refused / r.seconds(), r.statuses(), r.errors());
        System.out.printf("accepted submits: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", r.acceptedPercentileMillis(50),
                r.acceptedPercentileMillis(99), r.acceptedPercentileMillis(100));
        System.out.printf("compaction lag: at most %s profiles (sampled every second)%n", maxLag < 0 ? "- (no /metrics)" : maxLag);
        System.out.printf("merges every %d s during the load: %s ms (median %s, max %s)%n", mergeEvery, Arrays.toString(mergesMs),
                mergesMs.length == 0 ? "-" : mergesMs[mergesMs.length / 2], mergesMs.length == 0 ? "-" : mergesMs[mergesMs.length - 1]);
        if (pid != null && accepted > 0) {
            // USER_HZ is 100 on Linux: a tick is 10 ms.
            System.out.printf("collector CPU: %.0f µs per accepted profile (%.2f cores)%n", (cpu1 - cpu0) * 10_000.0 / accepted,
                    (cpu1 - cpu0) / 100.0 / r.seconds());
        }
        // This JVM's whole CPU (the load, the /metrics polls, the merges, its JIT and GC): it shares the collector's cores.
        System.out.printf("load generator CPU: %.0f µs per answer (%.2f cores)%n", (ownCpu1 - ownCpu0) * 10_000.0 / Math.max(1, r.requests()),
                (ownCpu1 - ownCpu0) / 100.0 / r.seconds());
    }

    /** Sleeps until {@code wakeNanos} (System.nanoTime); false when the load ended first. */
    private static boolean sleepUntil(long wakeNanos, Thread load) {
        try {
            while (System.nanoTime() < wakeNanos && load.isAlive()) {
                Thread.sleep(Math.max(1, (wakeNanos - System.nanoTime()) / 1_000_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return load.isAlive();
    }

    private static long count(Map<Integer, LongAdder> statuses, int status) {
        LongAdder n = statuses.get(status);
        return n == null ? 0 : n.sum();
    }

    private static long lag(HttpClient http, URI url) {
        try {
            String body = http.send(HttpRequest.newBuilder(url.resolve("/metrics")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = LAG.matcher(body);
            return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * A full merge on a connection of its own, as a release pipeline's {@code curl} makes it, timed
     * from the connect to the answer's last byte; minus the status when not 200, -1 when it failed.
     * A plain socket, so that no hand-off between the client's own threads ({@code HttpClient}'s)
     * is in what it measures.
     */
    private static long merge(URI url, String key) {
        long t0 = System.nanoTime();
        try (Socket s = new Socket(url.getHost(), url.getPort())) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(120_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/merge HTTP/1.1\r\nHost: " + url.getHost() + "\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            int status = LoadGenerator.readAnswer(new BufferedInputStream(s.getInputStream(), 65536)).status();
            return status == 200 ? (System.nanoTime() - t0) / 1_000_000 : -status;
        } catch (IOException e) {
            return -1;
        }
    }

    /** utime + stime of a process ({@code self}: this one), in clock ticks. */
    private static long cpuTicks(String pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", pid, "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
