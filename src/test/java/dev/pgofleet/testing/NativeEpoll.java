package dev.pgofleet.testing;

import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.Assumptions;

/** Tests of the native epoll transport skip, saying why, where Netty's library for it does not load. */
public final class NativeEpoll {
    private NativeEpoll() {}

    public static void assumeLoads() {
        Assumptions.assumeTrue(Epoll.isAvailable(),
                () -> "skipped: Netty's native epoll transport does not load here (" + Epoll.unavailabilityCause() + ")");
    }

    /** For a test run once per {@code PGOF_TRANSPORT} value: skips the epoll run where epoll does not load. */
    public static void assumeLoadsFor(String transport) {
        if (transport.equals("epoll")) {
            assumeLoads();
        }
    }
}
