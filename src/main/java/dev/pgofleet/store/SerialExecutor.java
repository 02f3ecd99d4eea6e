package dev.pgofleet.store;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One service's merge thread, without a thread of its own: tasks run one at a time, in order, on a
 * pool every service shares, one task per turn so that services take turns. At most
 * {@code capacity} tasks wait (more are rejected, as a full queue of a thread of its own would be).
 * While a task runs, the pool thread carries {@code name}, so its log lines say which service.
 */
final class SerialExecutor implements Executor {
    private final Executor pool;
    private final int capacity;
    private final String name;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean running, closed;

    SerialExecutor(Executor pool, int capacity, String name) {
        this.pool = pool;
        this.capacity = capacity;
        this.name = name;
    }

    @Override
    public synchronized void execute(Runnable task) {
        if (closed) {
            throw new RejectedExecutionException(name + " is closed");
        }
        if (queue.size() >= capacity) {
            throw new RejectedExecutionException(name + ": " + capacity + " tasks wait");
        }
        queue.add(task);
        if (!running) {
            running = true;
            schedule();
        }
    }

    /** Hands the next turn to the pool; a pool that takes no more (shut down) has the rest run here. */
    private void schedule() {
        try {
            pool.execute(this::turn);
        } catch (RejectedExecutionException e) {
            Runnable r;
            while ((r = queue.poll()) != null) {
                r.run(); // a CompletableFuture task: it completes its future either way
            }
            running = false;
            notifyAll();
        }
    }

    private void turn() {
        Runnable task;
        synchronized (this) {
            task = queue.poll();
        }
        Thread t = Thread.currentThread();
        String before = t.getName();
        t.setName(name);
        try {
            if (task != null) {
                task.run();
            }
        } finally {
            t.setName(before);
            synchronized (this) {
                if (queue.isEmpty()) {
                    running = false;
                    notifyAll();
                } else {
                    schedule();
                }
            }
        }
    }

    /** Takes no more tasks and waits up to {@code timeout} for those taken to run. */
    synchronized void close(long timeout, TimeUnit unit) {
        closed = true;
        Threads.awaitWhile(this, () -> running, timeout, unit);
    }
}
