package dev.pgofleet.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Closed-loop load on /v1/submit over loopback: C keep-alive connections, each sending the next
 * request as soon as the previous answer arrived, for a fixed time. Prints throughput, latency
 * percentiles and the count of each status. Bounded in time and count; loopback only. With
 * {@code --services N} (N > 1) the submits go in turn to services {@code svc-0} .. {@code svc-<N-1>}
 * ({@code ?service=}); with 1 (the default) to the default service, as a client without the parameter.
 *
 * <pre>java -cp target/test-classes:target/pgo-fleet.jar dev.pgofleet.bench.LoadGenerator \
 *   --url http://127.0.0.1:8080 --key KEY --file profile.pprof --connections 32 --seconds 20 [--services 100]</pre>
 */
public final class LoadGenerator {
    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new TreeMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        URI url = URI.create(opts.getOrDefault("url", "http://127.0.0.1:8080"));
        if (!url.getHost().equals("127.0.0.1") && !url.getHost().equals("localhost")) {
            throw new IllegalArgumentException("loopback targets only");
        }
        String key = opts.get("key");
        // --file a.pprof[,b.pprof...]: each connection sends them in turn, so a merge sees varied stacks.
        java.util.List<byte[]> bodies = new java.util.ArrayList<>();
        for (String f : opts.get("file").split(",")) {
            bodies.add(Files.readAllBytes(Path.of(f)));
        }
        int connections = Integer.parseInt(opts.getOrDefault("connections", "32"));
        double seconds = Double.parseDouble(opts.getOrDefault("seconds", "20"));
        int maxRequests = Integer.parseInt(opts.getOrDefault("max-requests", "2000000"));
        int services = Integer.parseInt(opts.getOrDefault("services", "1"));
        Result r = run(url, key, bodies, connections, seconds, maxRequests, services);
        System.out.println(r);
    }

    /** {@code acceptedNanos}: the latencies of the 204 answers alone, sorted. */
    public record Result(int connections, int bodyBytes, double seconds, long requests, long[] latenciesNanos,
                         long[] acceptedNanos, Map<Integer, Long> statuses, long errors) {
        public double perSecond() {
            return requests / seconds;
        }

        public double percentileMillis(double p) {
            return percentile(latenciesNanos, p);
        }

        /** A percentile of the accepted (204) submits' latencies. */
        public double acceptedPercentileMillis(double p) {
            return percentile(acceptedNanos, p);
        }

        private static double percentile(long[] sorted, double p) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1);
            return sorted[Math.max(0, i)] / 1e6;
        }

        @Override
        public String toString() {
            return String.format("connections=%d body=%dB duration=%.1fs requests=%d rate=%.0f/s p50=%.2fms p99=%.2fms"
                            + " max=%.2fms statuses=%s connection-errors=%d", connections, bodyBytes, seconds, requests,
                    perSecond(), percentileMillis(50), percentileMillis(99), percentileMillis(100), statuses, errors);
        }
    }

    public static Result run(URI url, String key, byte[] body, int connections, double seconds, int maxRequests)
            throws InterruptedException {
        return run(url, key, java.util.List.of(body), connections, seconds, maxRequests);
    }

    public static Result run(URI url, String key, java.util.List<byte[]> bodies, int connections, double seconds,
                             int maxRequests) throws InterruptedException {
        return run(url, key, bodies, connections, seconds, maxRequests, 1, new ConcurrentHashMap<>());
    }

    /** As above, the submits spread over {@code services} services in turn (1: the default service). */
    public static Result run(URI url, String key, java.util.List<byte[]> bodies, int connections, double seconds,
                             int maxRequests, int services) throws InterruptedException {
        return run(url, key, bodies, connections, seconds, maxRequests, services, new ConcurrentHashMap<>());
    }

    /**
     * As above, counting answers by status into {@code statuses} as they come (a caller may watch
     * them during the run).
     */
    public static Result run(URI url, String key, java.util.List<byte[]> bodies, int connections, double seconds,
                             int maxRequests, int services, Map<Integer, LongAdder> statuses) throws InterruptedException {
        byte[][] requests = requests(url, key, bodies, services);
        AtomicInteger nextBody = new AtomicInteger();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        AtomicInteger budget = new AtomicInteger(maxRequests);
        long[][] latencies = new long[connections][];
        int[] counts = new int[connections];
        long[][] accepted = new long[connections][];
        int[] acceptedCounts = new int[connections];
        LongAdder errors = new LongAdder();
        CountDownLatch done = new CountDownLatch(connections);
        long start = System.nanoTime();
        for (int c = 0; c < connections; c++) {
            int id = c;
            latencies[c] = new long[1 << 16];
            accepted[c] = new long[1 << 16];
            Thread t = new Thread(() -> {
                try {
                    Socket s = null;
                    InputStream in = null;
                    while (System.nanoTime() < end && budget.decrementAndGet() >= 0) {
                        try {
                            if (s == null) {
                                s = new Socket(url.getHost(), url.getPort());
                                s.setTcpNoDelay(true);
                                s.setSoTimeout(60_000);
                                in = new BufferedInputStream(s.getInputStream(), 8192);
                            }
                            long t0 = System.nanoTime();
                            OutputStream out = s.getOutputStream();
                            out.write(requests[Math.floorMod(nextBody.getAndIncrement(), requests.length)]);
                            out.flush();
                            Answer a = readAnswer(in);
                            long dt = System.nanoTime() - t0;
                            latencies[id] = room(latencies[id], counts[id]);
                            latencies[id][counts[id]++] = dt;
                            if (a.status == 204) {
                                accepted[id] = room(accepted[id], acceptedCounts[id]);
                                accepted[id][acceptedCounts[id]++] = dt;
                            }
                            statuses.computeIfAbsent(a.status, k -> new LongAdder()).increment();
                            if (a.close) {
                                s.close();
                                s = null;
                            }
                        } catch (IOException e) {
                            errors.increment();
                            if (s != null) {
                                try {
                                    s.close();
                                } catch (IOException ignored) {
                                    // already broken
                                }
                            }
                            s = null;
                        }
                    }
                    if (s != null) {
                        s.close();
                    }
                } catch (IOException ignored) {
                    // closing
                } finally {
                    done.countDown();
                }
            }, "load-" + c);
            t.setDaemon(true);
            t.start();
        }
        done.await();
        double elapsed = (System.nanoTime() - start) / 1e9;
        return result(connections, bodies.get(0).length, elapsed, concat(latencies, counts), concat(accepted, acceptedCounts),
                statuses, errors.sum());
    }

    /** The requests, head and body: request n sends body n % bodies to service (n / bodies) % services, so every pair comes up. */
    static byte[][] requests(URI url, String key, java.util.List<byte[]> bodies, int services) {
        byte[][] requests = new byte[bodies.size() * Math.max(1, services)][];
        for (int n = 0; n < requests.length; n++) {
            byte[] body = bodies.get(n % bodies.size());
            String target = services <= 1 ? "/v1/submit" : "/v1/submit?service=svc-" + (n / bodies.size()) % services;
            byte[] head = ("POST " + target + " HTTP/1.1\r\nHost: " + url.getHost() + "\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            requests[n] = Arrays.copyOf(head, head.length + body.length);
            System.arraycopy(body, 0, requests[n], head.length, body.length);
        }
        return requests;
    }

    /** {@code a}, or a copy twice as long when its {@code count} entries fill it. */
    static long[] room(long[] a, int count) {
        return count < a.length ? a : Arrays.copyOf(a, Math.max(16, count * 2));
    }

    private static long[] concat(long[][] parts, int[] counts) {
        long[] all = new long[Arrays.stream(counts).sum()];
        int k = 0;
        for (int c = 0; c < parts.length; c++) {
            System.arraycopy(parts[c], 0, all, k, counts[c]);
            k += counts[c];
        }
        return all;
    }

    /** A run's result from its latencies (all answers, and the 204s alone), sorted here. */
    static Result result(int connections, int bodyBytes, double seconds, long[] latencies, long[] accepted,
                         Map<Integer, LongAdder> statuses, long errors) {
        Arrays.sort(latencies);
        Arrays.sort(accepted);
        Map<Integer, Long> st = new TreeMap<>();
        statuses.forEach((code, n) -> st.put(code, n.sum()));
        return new Result(connections, bodyBytes, seconds, latencies.length, latencies, accepted, st, errors);
    }

    /** An answer's status, whether the server closes the connection after it, and its body's length. */
    record Answer(int status, boolean close, int length) {}

    // One buffered stream per connection: answers come one at a time, so nothing is lost between them.
    static Answer readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream(256);
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed");
            }
            head.write(b);
            state = headState(state, b);
        }
        Answer a = answer(head.toString(StandardCharsets.ISO_8859_1));
        in.readNBytes(a.length());
        return a;
    }

    /** How far into the blank line that ends a head (0-4) after byte {@code b}; 4 when the head is complete. */
    static int headState(int state, int b) {
        return (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
    }

    /** The answer a head (status line and headers, through the blank line) gives. */
    static Answer answer(String head) {
        int status = Integer.parseInt(head.substring(9, 12));
        int length = 0;
        boolean close = false;
        for (String line : head.split("\r\n")) {
            String l = line.toLowerCase();
            if (l.startsWith("content-length:")) {
                length = Integer.parseInt(l.substring(15).trim());
            } else if (l.startsWith("connection:") && l.contains("close")) {
                close = true;
            }
        }
        return new Answer(status, close, length);
    }
}
