package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import dev.pgofleet.testing.Poll;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StderrAppenderTest {
    private final LoggerContext context = new LoggerContext();
    private final HeldStream stream = new HeldStream();
    private StderrAppender appender;

    @AfterEach
    void stop() {
        stream.release.countDown();
        if (appender != null) {
            appender.stop();
        }
    }

    @Test
    void everyEventWaitingGoesOutInOneWriteInOrder() throws Exception {
        start(8192);
        append(Level.INFO, "first");
        Poll.until("the writer holds the first event", Duration.ofSeconds(10), () -> stream.entered.getCount() == 0);
        IntStream.range(0, 100).forEach(i -> append(Level.INFO, "line " + i));
        stream.release.countDown();
        Poll.until("101 lines written", Duration.ofSeconds(10), () -> stream.text().split("\n").length == 101);

        assertThat(stream.writes).hasSize(2);
        assertThat(stream.writes.get(0)).isEqualTo("INFO first\n");
        assertThat(stream.writes.get(1).split("\n")).containsExactlyElementsOf(IntStream.range(0, 100).mapToObj(i -> "INFO line " + i).toList());
    }

    @Test
    void aNearlyFullQueueDropsInfoButKeepsWarnings() throws Exception {
        start(20);
        append(Level.INFO, "held");
        Poll.until("the writer holds the first event", Duration.ofSeconds(10), () -> stream.entered.getCount() == 0);
        IntStream.range(0, 30).forEach(i -> append(Level.INFO, "info " + i)); // 17 fit: a fifth of the queue is kept free of INFO
        append(Level.WARN, "warning");
        append(Level.ERROR, "error");
        stream.release.countDown();
        appender.stop();

        List<String> lines = List.of(stream.text().split("\n"));
        assertThat(lines).hasSize(20).startsWith("INFO held").endsWith("WARN warning", "ERROR error");
        assertThat(lines.subList(1, 18)).containsExactlyElementsOf(IntStream.range(0, 17).mapToObj(i -> "INFO info " + i).toList());
    }

    @Test
    void stoppingWritesWhatIsQueued() throws Exception {
        start(8192);
        append(Level.INFO, "held");
        Poll.until("the writer holds the first event", Duration.ofSeconds(10), () -> stream.entered.getCount() == 0);
        append(Level.ERROR, "last words");
        stream.release.countDown();
        appender.stop();
        assertThat(stream.text()).isEqualTo("INFO held\nERROR last words\n");
        assertThat(appender.isStarted()).isFalse();
    }

    @Test
    void aWarningFromAnInterruptedThreadIsWritten() throws Exception {
        start(8192);
        stream.release.countDown();
        Thread.currentThread().interrupt(); // as a worker being shut down, or the compactor yielding
        append(Level.WARN, "interrupted");
        assertThat(Thread.interrupted()).as("the interrupt is kept").isTrue();
        appender.stop();
        assertThat(stream.text()).isEqualTo("WARN interrupted\n");
    }

    @Test
    void withoutAnEncoderItDoesNotStart() {
        appender = new StderrAppender(() -> stream);
        appender.setContext(context);
        appender.start();
        assertThat(appender.isStarted()).isFalse();
        assertThat(context.getStatusManager().getCopyOfStatusList()).anyMatch(s -> s.getMessage().contains("needs an encoder"));
    }

    private void start(int queueSize) {
        context.setMDCAdapter(new LogbackMDCAdapter()); // as slf4j's provider does; events read it
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%level %msg%n");
        encoder.start();
        appender = new StderrAppender(() -> stream);
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setQueueSize(queueSize);
        appender.start();
    }

    private void append(Level level, String message) {
        appender.doAppend(new LoggingEvent(getClass().getName(), context.getLogger("test"), level, message, null, null));
    }

    /** Records each write; the first waits until released, so that events queue up behind it. */
    private static final class HeldStream extends PrintStream {
        final List<String> writes = new CopyOnWriteArrayList<>();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        HeldStream() {
            super(OutputStream.nullOutputStream());
        }

        @Override
        public void write(byte[] b, int off, int len) {
            entered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            writes.add(new String(b, off, len, StandardCharsets.UTF_8));
        }

        String text() {
            return String.join("", writes);
        }
    }
}
