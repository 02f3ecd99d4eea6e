package dev.pgofleet.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty's leak detector (PARANOID in every test JVM) reported a leak while
 * it ran. Registered for all tests through junit-platform.properties and the services file; the
 * appender is wired to Netty's leak logger in logback-test.xml.
 */
public final class LeakDetection implements AfterAllCallback {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    /** Receives Netty's "LEAK: ..." reports. */
    public static final class Appender extends AppenderBase<ILoggingEvent> {
        @Override
        protected void append(ILoggingEvent e) {
            if (e.getFormattedMessage().contains("LEAK")) {
                LEAKS.add(e.getFormattedMessage());
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        // Leaks are reported when a leaked buffer has been collected and another is tracked. A
        // collected sentinel shows that a collection ran and its references were enqueued.
        for (int round = 0; round < 3; round++) {
            ReferenceQueue<Object> collected = new ReferenceQueue<>();
            WeakReference<Object> sentinel = new WeakReference<>(new Object(), collected);
            System.gc();
            if (collected.remove(10_000) != sentinel) {
                throw new AssertionError("no garbage collection within 10 s after System.gc()");
            }
            for (int i = 0; i < 64; i++) {
                ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(16);
                b.release();
            }
        }
        if (!LEAKS.isEmpty()) {
            String first = LEAKS.get(0);
            LEAKS.clear();
            throw new AssertionError("Netty reported a buffer leak during " + context.getDisplayName() + ":\n" + first);
        }
    }
}
