package dev.pgofleet.cli;

import java.io.PrintWriter;
import java.util.function.IntConsumer;

/** A one-line progress counter on stderr, shown only when stderr is a terminal. */
final class Progress implements IntConsumer {
    private final PrintWriter err;
    private final String verb;
    private final int total;
    private final boolean enabled;
    private long lastPrint;

    private Progress(PrintWriter err, String verb, int total, boolean enabled) {
        this.err = err;
        this.verb = verb;
        this.total = total;
        this.enabled = enabled;
    }

    /** Bytes received so far, for downloads of unknown size; shown only on a terminal. */
    static java.util.function.LongConsumer bytesOnTerminal(PrintWriter err, String verb) {
        if (System.console() == null) {
            return n -> {};
        }
        long[] last = {0};
        return n -> {
            long now = System.nanoTime();
            if (now - last[0] > 200_000_000L) {
                last[0] = now;
                synchronized (err) {
                    err.printf("\r%s %d KB", verb, n / 1024);
                    err.flush();
                }
            }
        };
    }

    static Progress onTerminal(PrintWriter err, String verb, int total) {
        return new Progress(err, verb, total, System.console() != null && total > 1);
    }

    @Override
    public void accept(int done) {
        long now = System.nanoTime();
        if (enabled && (now - lastPrint > 200_000_000L || done == total)) {
            lastPrint = now;
            err.printf("\r%s %d/%d", verb, done, total);
            err.flush();
        }
    }

    void finish() {
        if (enabled && lastPrint != 0) {
            err.print("\r\033[K");
            err.flush();
        }
    }
}
