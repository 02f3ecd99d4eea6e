package dev.pgofleet.cli;

import dev.pgofleet.config.CollectorConfig;
import dev.pgofleet.config.ConfigException;
import dev.pgofleet.config.KeyRing;
import dev.pgofleet.server.AuthKeys;
import dev.pgofleet.server.CollectorServer;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

@Command(name = "collector", mixinStandardHelpOptions = true,
        description = "Runs the collector HTTP server (the default command).",
        footer = {"", "Example:",
                "  PGOF_BIND_ADDRESS=:8080 PGOF_DIRECTORY=/data java -jar pgo-fleet.jar collector",
                "", "SIGTERM stops accepting, finishes in-flight writes and exits 0."})
final class CollectorCommand implements Callable<Integer> {
    /** The help text lists every variable with its default, from the one table the config reads. */
    static final String VARIABLES_HELP = variablesHelp();

    private static String variablesHelp() {
        StringBuilder b = new StringBuilder();
        for (String[] v : CollectorConfig.VARIABLES) {
            b.append(String.format("  %-29s %s (default: %s)%n", v[0], v[2], v[1]));
        }
        return b.toString();
    }

    @Override
    public Integer call() throws Exception {
        return run(System.getenv());
    }

    static int run(Map<String, String> env) throws InterruptedException {
        // Looked up here, not in a static field: logging starts only for the commands that log.
        Logger log = LoggerFactory.getLogger(CollectorCommand.class);
        CollectorConfig config;
        AuthKeys keys;
        try {
            config = CollectorConfig.fromEnv(env);
            keys = new AuthKeys(KeyRing.load(CollectorConfig.SUBMIT_KEYS, config.submitKeysFile()),
                    KeyRing.load(CollectorConfig.MERGE_KEYS, config.mergeKeysFile()));
        } catch (ConfigException e) {
            log.error("cannot start: {}", e.getMessage());
            return 1;
        }
        CollectorServer server;
        try {
            server = CollectorServer.start(config, keys);
        } catch (IOException e) {
            String what = "cannot start: " + CollectorConfig.DIRECTORY + "=" + config.directory() + " or "
                    + CollectorConfig.BIND_ADDRESS + "=" + config.bindAddress() + ": " + e;
            log.error(what);
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signals.on("TERM", stop::countDown);
        Signals.on("INT", stop::countDown);
        Signals.on("HUP", server::reloadKeys);
        stop.await();
        log.info("shutting down: finishing in-flight requests");
        server.close();
        return 0;
    }
}
