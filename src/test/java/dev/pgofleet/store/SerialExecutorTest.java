package dev.pgofleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A service's merges on a shared pool: one at a time, in order, a bounded wait, named threads. */
class SerialExecutorTest {
    @Test
    void runsOneAtATimeInOrderUnderItsNameAndRefusesPastItsCapacity() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            SerialExecutor serial = new SerialExecutor(pool, 3, "merge-svc-a");
            CountDownLatch release = new CountDownLatch(1), started = new CountDownLatch(1);
            List<String> seen = new CopyOnWriteArrayList<>();
            serial.execute(() -> {
                started.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                seen.add("0 " + Thread.currentThread().getName());
            });
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 1; i <= 3; i++) {
                int n = i;
                serial.execute(() -> seen.add(n + " " + Thread.currentThread().getName()));
            }
            assertThatThrownBy(() -> serial.execute(() -> seen.add("too many"))).isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("3 tasks wait");
            assertThat(seen).as("nothing overtakes the running task").isEmpty();
            release.countDown();
            serial.close(10, TimeUnit.SECONDS);
            assertThat(seen).containsExactly("0 merge-svc-a", "1 merge-svc-a", "2 merge-svc-a", "3 merge-svc-a");
            assertThatThrownBy(() -> serial.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aPoolThatTakesNoMoreHasTheTasksRunAtOnce() {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        pool.shutdown();
        SerialExecutor serial = new SerialExecutor(pool, 3, "merge-x");
        List<String> seen = new CopyOnWriteArrayList<>();
        serial.execute(() -> seen.add("ran"));
        assertThat(seen).containsExactly("ran");
        serial.close(1, TimeUnit.SECONDS);
    }
}
