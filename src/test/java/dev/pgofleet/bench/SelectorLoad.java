package dev.pgofleet.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The closed-loop load of {@link LoadGenerator} driven from one thread: every connection is a
 * non-blocking channel on one selector, as wrk drives them. The generator shares the machine's
 * cores with the collector it measures, and a thread per connection spends more of them on its
 * own wake-ups (bench/README.md gives both figures).
 */
final class SelectorLoad {
    /** How long an answer may take after the run's end before its connection counts as an error. */
    private static final long LAST_ANSWER_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final InetSocketAddress address;
    private final ByteBuffer[] requests;
    private final Map<Integer, LongAdder> statuses;
    private final Selector selector;
    private final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
    private final long end;
    private int budget, next, busy;
    private long errors;
    private long[] latencies = new long[1 << 16], accepted = new long[1 << 16];
    private int latencyCount, acceptedCount;

    /** One connection's request in flight and the head of its answer read so far (bodyLeft is -1 until the head is whole). */
    private static final class Connection {
        SocketChannel channel;
        ByteBuffer out;
        long sentAt;
        byte[] head = new byte[256];
        int headLength, headState, bodyLeft = -1;
        LoadGenerator.Answer answer;
    }

    private SelectorLoad(URI url, byte[][] requests, double seconds, int maxRequests, Map<Integer, LongAdder> statuses)
            throws IOException {
        this.address = new InetSocketAddress(url.getHost(), url.getPort());
        this.requests = new ByteBuffer[requests.length];
        for (int i = 0; i < requests.length; i++) {
            this.requests[i] = ByteBuffer.allocateDirect(requests[i].length).put(requests[i]).flip();
        }
        this.statuses = statuses;
        this.selector = Selector.open();
        this.end = System.nanoTime() + (long) (seconds * 1e9);
        this.budget = maxRequests;
    }

    /** As {@link LoadGenerator#run(URI, String, List, int, double, int, int, Map)}, from one thread. */
    static LoadGenerator.Result run(URI url, String key, List<byte[]> bodies, int connections, double seconds, int maxRequests,
                                    int services, Map<Integer, LongAdder> statuses) throws IOException {
        SelectorLoad load = new SelectorLoad(url, LoadGenerator.requests(url, key, bodies, services), seconds, maxRequests, statuses);
        long start = System.nanoTime();
        try {
            load.drive(connections);
        } finally {
            for (SelectionKey k : load.selector.keys()) {
                k.channel().close();
            }
            load.selector.close();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        return LoadGenerator.result(connections, bodies.get(0).length, elapsed, Arrays.copyOf(load.latencies, load.latencyCount),
                Arrays.copyOf(load.accepted, load.acceptedCount), statuses, load.errors);
    }

    private void drive(int connections) throws IOException {
        for (int c = 0; c < connections; c++) {
            busy++;
            restart(new Connection());
        }
        while (busy > 0) {
            long left = end + LAST_ANSWER_NANOS - System.nanoTime();
            if (left <= 0) {
                errors += busy;
                return;
            }
            selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            for (SelectionKey k : selector.selectedKeys()) {
                Connection conn = (Connection) k.attachment();
                try {
                    if (k.isConnectable() && conn.channel.finishConnect()) {
                        send(conn);
                    } else if (k.isWritable()) {
                        write(conn);
                    } else if (k.isReadable()) {
                        read(conn);
                    }
                } catch (IOException e) {
                    errors++;
                    restart(conn);
                }
            }
            selector.selectedKeys().clear();
        }
    }

    /** A new channel for {@code conn} with its next request, tried again until one takes it or the run ends. */
    private void restart(Connection conn) {
        while (true) {
            try {
                if (conn.channel != null) {
                    conn.channel.close();
                }
                connect(conn);
                return;
            } catch (IOException e) {
                errors++;
            }
        }
    }

    /** A new channel for {@code conn}, then its next request; none after the run's end. */
    private void connect(Connection conn) throws IOException {
        if (done()) {
            busy--;
            return;
        }
        SocketChannel ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        conn.channel = ch;
        if (ch.connect(address)) {
            send(conn);
        } else {
            ch.register(selector, SelectionKey.OP_CONNECT, conn);
        }
    }

    private boolean done() {
        return System.nanoTime() >= end || budget <= 0;
    }

    private void send(Connection conn) throws IOException {
        if (done()) {
            busy--;
            try {
                conn.channel.close();
            } catch (IOException e) {
                errors++;
            }
            return;
        }
        budget--;
        conn.out = requests[Math.floorMod(next++, requests.length)].duplicate();
        conn.sentAt = System.nanoTime();
        conn.headLength = 0;
        conn.headState = 0;
        conn.bodyLeft = -1;
        write(conn);
    }

    private void write(Connection conn) throws IOException {
        conn.channel.write(conn.out);
        int interest = conn.out.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ;
        SelectionKey k = conn.channel.keyFor(selector);
        if (k == null) {
            conn.channel.register(selector, interest, conn);
        } else if (k.interestOps() != interest) {
            k.interestOps(interest);
        }
    }

    private void read(Connection conn) throws IOException {
        in.clear();
        if (conn.channel.read(in) < 0) {
            throw new IOException("closed");
        }
        in.flip();
        while (in.hasRemaining() && conn.headState < 4) {
            byte b = in.get();
            if (conn.headLength == conn.head.length) {
                conn.head = Arrays.copyOf(conn.head, conn.head.length * 2);
            }
            conn.head[conn.headLength++] = b;
            conn.headState = LoadGenerator.headState(conn.headState, b);
            if (conn.headState == 4) {
                try {
                    conn.answer = LoadGenerator.answer(new String(conn.head, 0, conn.headLength, StandardCharsets.ISO_8859_1));
                } catch (RuntimeException e) {
                    throw new IOException("malformed answer head", e);
                }
                conn.bodyLeft = conn.answer.length();
            }
        }
        if (conn.bodyLeft > 0) {
            int skip = Math.min(conn.bodyLeft, in.remaining());
            in.position(in.position() + skip);
            conn.bodyLeft -= skip;
        }
        if (conn.bodyLeft == 0) {
            answered(conn);
        }
    }

    private void answered(Connection conn) throws IOException {
        long dt = System.nanoTime() - conn.sentAt;
        latencies = LoadGenerator.room(latencies, latencyCount);
        latencies[latencyCount++] = dt;
        if (conn.answer.status() == 204) {
            accepted = LoadGenerator.room(accepted, acceptedCount);
            accepted[acceptedCount++] = dt;
        }
        statuses.computeIfAbsent(conn.answer.status(), s -> new LongAdder()).increment();
        if (conn.answer.close()) {
            restart(conn);
        } else {
            send(conn);
        }
    }
}
