package dev.pgofleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectorySyncTest {
    @TempDir
    Path dir;
    private final AtomicInteger fsyncs = new AtomicInteger();
    private final AtomicInteger asked = new AtomicInteger();

    @Test
    void whileOtherWritesAreUnderWayARoundWaitsAndCoversTheirRenamesToo() throws Exception {
        try (DirectorySync sync = new DirectorySync(dir, d -> fsyncs.incrementAndGet(), null, () -> asked.incrementAndGet() > 0,
                TimeUnit.SECONDS.toNanos(2))) {
            CompletableFuture<Void> first = sync.request();
            Poll.until("the round asked whether others write", Duration.ofSeconds(10), () -> asked.get() > 0);
            CompletableFuture<Void> second = sync.request(); // made while the round lingers
            CompletableFuture.allOf(first, second).get(30, TimeUnit.SECONDS);
            assertThat(fsyncs).hasValue(1);
        }
    }

    @Test
    void withNoOtherWriteARoundDoesNotWait() throws Exception {
        try (DirectorySync sync = new DirectorySync(dir, d -> fsyncs.incrementAndGet(), null, () -> false, TimeUnit.MINUTES.toNanos(10))) {
            sync.request().get(30, TimeUnit.SECONDS); // the linger would be ten minutes
            assertThat(fsyncs).hasValue(1);
        }
    }
}
