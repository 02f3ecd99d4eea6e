package dev.pgofleet.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/**
 * Waits in tests for a condition that another thread or process brings about, instead of sleeping
 * for a guessed time: fast when the condition comes early, an AssertionError naming what was
 * awaited when it never comes.
 */
public final class Poll {
    /** Short against every timeout used, long enough that waiting does not take a core from the code under test. */
    private static final long INTERVAL_MILLIS = 20;

    private Poll() {}

    /** A condition checked repeatedly; an exception it throws ends the wait and fails the test. */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    /** Returns once {@code condition} holds; fails when it has not within {@code timeout}. */
    public static void until(String what, Duration timeout, Condition condition) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            // The poll interval: nothing observable announces these conditions, so they are checked again.
            Thread.sleep(INTERVAL_MILLIS);
        }
    }

    /** True when something accepts TCP connections on 127.0.0.1:{@code port}. */
    public static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }
}
