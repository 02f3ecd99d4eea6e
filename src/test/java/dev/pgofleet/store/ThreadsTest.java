package dev.pgofleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.testing.Poll;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** close() waits: an interrupt neither cuts the wait short nor gets lost. */
class ThreadsTest {
    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void awaitTerminationWaitsThroughAnInterruptAndKeepsIt() {
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService busy = Executors.newSingleThreadExecutor();
        busy.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        busy.shutdown();
        Thread.currentThread().interrupt();
        releaseWhenWaiting(Thread.currentThread(), release);
        assertThat(Threads.awaitTermination(busy, 30, TimeUnit.SECONDS)).isTrue();
        assertThat(busy.isTerminated()).isTrue();
        assertThat(Thread.interrupted()).as("interrupt kept for the caller").isTrue();
    }

    @Test
    void awaitTerminationGivesUpAtTheTimeout() {
        CountDownLatch never = new CountDownLatch(1);
        ExecutorService stuck = Executors.newSingleThreadExecutor();
        stuck.execute(() -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stuck.shutdown();
        long start = System.nanoTime();
        assertThat(Threads.awaitTermination(stuck, 200, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(150L, 10_000L);
        assertThat(Thread.interrupted()).isFalse();
        stuck.shutdownNow();
    }

    @Test
    void joinWaitsThroughAnInterruptAndKeepsIt() {
        CountDownLatch release = new CountDownLatch(1);
        Thread worker = new Thread(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        worker.start();
        Thread.currentThread().interrupt();
        releaseWhenWaiting(Thread.currentThread(), release);
        Threads.join(worker, 30_000);
        assertThat(worker.isAlive()).isFalse();
        assertThat(Thread.interrupted()).as("interrupt kept for the caller").isTrue();
    }

    /** Releases once {@code waiter} waits again, so it has taken the interrupt and not returned. */
    private static void releaseWhenWaiting(Thread waiter, CountDownLatch release) {
        new Thread(() -> {
            try {
                Poll.until("the caller waits", Duration.ofSeconds(10), () -> waiter.getState() == Thread.State.TIMED_WAITING);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            } finally {
                release.countDown();
            }
        }).start();
    }
}
