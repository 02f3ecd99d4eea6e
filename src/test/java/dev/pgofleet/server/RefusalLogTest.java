package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pgofleet.testing.RawHttp;
import dev.pgofleet.testing.RunningCollector;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A refused request costs one access-log line with its status, the reason the client read and the
 * client's address; no stack trace (those are for our own bugs).
 */
class RefusalLogTest {
    @TempDir
    Path tmp;

    @Test
    void eachRefusalIsOneLineWithoutAStackTrace() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger access = (Logger) LoggerFactory.getLogger("access");
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        Level before = access.getLevel();
        access.setLevel(Level.INFO);
        root.addAppender(events);
        try (RunningCollector c = RunningCollector.start(tmp, Map.of())) {
            String[][] probes = {
                    {"GET /v1/sub%zzmit HTTP/1.1\r\nHost: x\r\n\r\n", "400", "malformed percent-escape in the path"},
                    {"POST /v1/merge?since=%2B999999999-01-01T00:00:00Z HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                            + RunningCollector.MERGE_KEY + "\r\n\r\n", "400", "invalid since="},
                    {"GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "400", "one space apart"},
                    {"POST /v1/submit HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde", "401", "missing or invalid bearer key"},
                    {"POST /v1/submit HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: zip\r\n\r\n", "501", "unknown transfer coding"}};
            for (String[] p : probes) {
                try (RawHttp raw = new RawHttp(c.port())) {
                    raw.write(p[0]);
                    assertThat(raw.readResponse()).startsWith("HTTP/1.1 " + p[1]);
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (accessLines(events).size() < probes.length && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            List<String> lines = accessLines(events);
            assertThat(lines).hasSize(probes.length);
            // Lines of different connections may be written in any order.
            for (String[] p : probes) {
                assertThat(lines).as(p[2]).filteredOn(l -> l.contains(p[2])).singleElement().asString()
                        .contains(" " + p[1] + " ").contains("client=127.0.0.1:").contains("reason=\"");
            }
            List<ILoggingEvent> all;
            synchronized (events) {
                all = List.copyOf(events.list);
            }
            assertThat(all).as("no stack trace, nothing above INFO")
                    .allMatch(e -> e.getThrowableProxy() == null && !e.getLevel().isGreaterOrEqual(Level.WARN));
        } finally {
            root.detachAppender(events);
            access.setLevel(before);
        }
    }

    private static List<String> accessLines(ListAppender<ILoggingEvent> events) {
        synchronized (events) {
            return events.list.stream().filter(e -> e.getLoggerName().equals("access"))
                    .map(ILoggingEvent::getFormattedMessage).toList();
        }
    }
}
