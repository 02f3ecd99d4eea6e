package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pgofleet.testing.NativeEpoll;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/** The collector's start-up errors: one line naming the variable, no Java class name. */
class CollectorCommandTest {
    @TempDir
    Path tmp;
    private final Logger logger = (Logger) LoggerFactory.getLogger(CollectorCommand.class);
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();

    @BeforeEach
    void capture() {
        events.start();
        logger.addAppender(events);
    }

    @AfterEach
    void release() {
        logger.detachAppender(events);
    }

    private Map<String, String> env(String bind) throws Exception {
        Path keys = Files.writeString(tmp.resolve("keys"), "k\n");
        return Map.of("PGOF_BIND_ADDRESS", bind, "PGOF_DIRECTORY", tmp.resolve("store").toString(),
                "PGOF_SUBMIT_AUTH_KEYS_FILE", keys.toString(), "PGOF_MERGE_AUTH_KEYS_FILE", keys.toString());
    }

    /** Both transports report the same line: native epoll's bind failure is not the JDK's BindException. */
    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void anAddressInUseIsOneLineNamingPgofBindAddress(String transport) throws Exception {
        NativeEpoll.assumeLoadsFor(transport);
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String bind = "127.0.0.1:" + taken.getLocalPort();
            Map<String, String> env = new HashMap<>(env(bind));
            env.put("PGOF_TRANSPORT", transport);
            int exit = CollectorCommand.run(env, new PrintWriter(new StringWriter()));
            assertThat(exit).isEqualTo(1);
            List<String> errors = events.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(errors).containsExactly("cannot start: PGOF_BIND_ADDRESS=" + bind + ": cannot listen there: address already in use");
        }
    }

    @Test
    void aBadLogLevelStopsTheStartBeforeLoggingNamingIt() throws Exception {
        StringWriter err = new StringWriter();
        Map<String, String> env = new java.util.HashMap<>(env("127.0.0.1:0"));
        env.put("PGOF_LOG_LEVEL", "loud");
        assertThat(CollectorCommand.run(env, new PrintWriter(err, true))).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("error: cannot start: PGOF_LOG_LEVEL=loud is invalid: "
                + "expected one of ERROR, WARN, INFO, DEBUG, TRACE (any case)" + System.lineSeparator());
        assertThat(tmp.resolve("store")).doesNotExist();
    }
}
