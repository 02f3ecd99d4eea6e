package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A real signal sent to this JVM runs the action registered for it. */
class SignalsTest {
    @Test
    void aSignalRunsItsAction() throws Exception {
        CountDownLatch hup = new CountDownLatch(1);
        // HUP as the collector uses it; once handled, the test JVM no longer exits on SIGHUP.
        Signals.on("HUP", hup::countDown);
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid())).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
        assertThat(hup.await(10, TimeUnit.SECONDS)).as("the HUP action ran").isTrue();
    }
}
