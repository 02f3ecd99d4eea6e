package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** A real signal sent to this JVM runs the action registered for it. */
class SignalsTest {
    @Test
    void aSignalRunsItsAction() throws Exception {
        CountDownLatch usr1 = new CountDownLatch(1);
        assertThat(Signals.on("USR1", usr1::countDown)).isTrue();
        send("USR1");
        assertThat(usr1.await(10, TimeUnit.SECONDS)).as("the USR1 action ran").isTrue();
    }

    @Test
    void hupRunsItsActionUnlessTheProcessStartedWithHupIgnored() throws Exception {
        CountDownLatch hup = new CountDownLatch(1);
        // Once handled, the test JVM no longer exits on SIGHUP.
        boolean installed = Signals.on("HUP", hup::countDown);
        if (!installed) {
            System.out.println("SIGHUP is ignored in this JVM (started under nohup?): HUP test SKIPPED");
        }
        Assumptions.assumeTrue(installed, "SIGHUP ignored since start");
        send("HUP");
        assertThat(hup.await(10, TimeUnit.SECONDS)).as("the HUP action ran").isTrue();
    }

    private static void send(String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(ProcessHandle.current().pid())).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }
}
