package dev.pgofleet.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/** A stand-in for a Go process's /debug/pprof/profile: answers the n-th request with profile(n). */
public final class FakePprofTarget implements AutoCloseable {
    public final HttpServer server;
    public final List<String> queries = new CopyOnWriteArrayList<>();

    private FakePprofTarget(IntFunction<byte[]> profile) throws IOException {
        AtomicInteger served = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/debug/pprof/profile", ex -> {
            queries.add(ex.getRequestURI().getQuery());
            byte[] p = profile.apply(served.getAndIncrement());
            ex.sendResponseHeaders(200, p.length);
            ex.getResponseBody().write(p);
            ex.close();
        });
        server.start();
    }

    /** Serves the fleet fixtures in turn. */
    public static FakePprofTarget fleet() {
        try {
            return new FakePprofTarget(n -> TestData.bytes(String.format("profiles/fleet/inst%03d.pprof", 1 + n % 24)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
