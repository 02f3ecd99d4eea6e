package dev.pgofleet.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The collector's log on stderr, written by a background thread so that request threads never
 * wait on the console. The thread wakes for an event, lets {@link #LINGER_MILLIS} pass and writes
 * every event then waiting in one write: under a sustained load the access log's line per request
 * is then no longer a wake-up and a write each. When the queue is four-fifths full, events below
 * WARN (the access log) are dropped, never warnings and errors, which wait for room instead.
 */
public final class StderrAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
    /** How long a line may wait for others to share its write: not long to a reader of the log. */
    static final long LINGER_MILLIS = 10;
    /** How long stopping waits for stderr to take what is queued. */
    static final long STOP_WAIT_MILLIS = 1000;
    private final Supplier<PrintStream> stream;
    /** Held while writing: batches go out whole and in order. */
    private final ReentrantLock writing = new ReentrantLock();
    private Encoder<ILoggingEvent> encoder;
    private int queueSize = 8192;
    private BlockingQueue<ILoggingEvent> queue;
    private Thread writer;

    public StderrAppender() {
        this(() -> System.err);
    }

    /** Writing to {@code stream} (tests count its writes). */
    StderrAppender(Supplier<PrintStream> stream) {
        this.stream = stream;
    }

    public void setEncoder(Encoder<ILoggingEvent> encoder) {
        this.encoder = encoder;
    }

    public void setQueueSize(int queueSize) {
        this.queueSize = queueSize;
    }

    @Override
    public void start() {
        if (encoder == null || queueSize < 1) {
            addError("StderrAppender \"" + name + "\" needs an encoder and a queue size of at least 1");
            return;
        }
        queue = new ArrayBlockingQueue<>(queueSize);
        writer = new Thread(this::writeUntilStopped, "log-writer");
        writer.setDaemon(true);
        super.start();
        writer.start();
    }

    @Override
    protected void append(ILoggingEvent e) {
        if (queue.remainingCapacity() < queueSize / 5 && e.getLevel().toInt() < Level.WARN_INT) {
            return;
        }
        e.prepareForDeferredProcessing();
        if (!queue.offer(e)) {
            putUninterruptibly(e); // a warning or an error waits for room, also on an interrupted thread
        }
        if (!isStarted()) { // stopped meanwhile: once the writer is done, nobody else writes this event
            awaitWriter();
            writeQueued(new ArrayList<>());
        }
    }

    /**
     * Writes what is queued, then stops; the shutdown hook calls this, so the last lines are never
     * lost, unless stderr itself is stuck: then it gives up after {@link #STOP_WAIT_MILLIS}.
     */
    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        writer.interrupt();
        awaitWriter();
        try {
            if (writing.tryLock(STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                try {
                    writeQueued(new ArrayList<>());
                } finally {
                    writing.unlock();
                }
            } else {
                addWarn("stderr took no log for " + STOP_WAIT_MILLIS + " ms: " + queue.size() + " events not written");
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeUntilStopped() {
        List<ILoggingEvent> batch = new ArrayList<>();
        boolean stopping = false;
        while (!stopping) {
            try {
                batch.add(queue.take());
                Thread.sleep(LINGER_MILLIS);
            } catch (InterruptedException e) {
                stopping = true; // what is queued is written below, the rest by stop()
            }
            writeQueued(batch);
            batch.clear();
        }
    }

    /** Writes {@code first} (events already taken from the queue) and everything queued, in one write. */
    private void writeQueued(List<ILoggingEvent> first) {
        writing.lock();
        try {
            queue.drainTo(first);
            write(first);
        } finally {
            writing.unlock();
        }
    }

    /** Every event encoded, in one write; a failure is reported to logback's status, and the writer goes on. */
    private void write(List<ILoggingEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(events.size() * 160);
        for (ILoggingEvent e : events) {
            try {
                out.writeBytes(encoder.encode(e));
            } catch (RuntimeException broken) {
                addError("cannot encode a log event", broken);
            }
        }
        try {
            PrintStream err = stream.get();
            err.write(out.toByteArray(), 0, out.size());
            err.flush();
        } catch (RuntimeException broken) {
            addError("cannot write the log", broken);
        }
    }

    private void awaitWriter() {
        try {
            writer.join(STOP_WAIT_MILLIS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void putUninterruptibly(ILoggingEvent e) {
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(e);
                break;
            } catch (InterruptedException ie) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
