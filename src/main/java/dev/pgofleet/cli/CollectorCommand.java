package dev.pgofleet.cli;

import dev.pgofleet.config.CollectorConfig;
import dev.pgofleet.config.ConfigException;
import dev.pgofleet.config.KeyRing;
import dev.pgofleet.config.LogSettings;
import dev.pgofleet.server.AuthKeys;
import dev.pgofleet.server.CollectorServer;
import dev.pgofleet.store.StoreOpenException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "collector", mixinStandardHelpOptions = true,
        description = "Runs the collector HTTP server (the default command).",
        footer = {"", "Example:",
                "  PGOF_BIND_ADDRESS=:8080 PGOF_DIRECTORY=/data java -jar pgo-fleet.jar collector",
                "", "SIGTERM stops accepting, finishes in-flight writes and exits 0."})
final class CollectorCommand implements Callable<Integer> {
    /** The help text lists every variable with its default, from the one table the config reads. */
    static final String VARIABLES_HELP = variablesHelp(CollectorConfig.VARIABLES, 120);

    @Spec
    CommandSpec spec;

    /** How durations and sizes are written, after the table in help and in the README. */
    static final String FORMATS = "Durations as in Go (90s, 1.5s, 1h30m) plus d (30d). Sizes in bytes or with KiB, MiB, GiB "
            + "(or k, m, g), KB, MB, GB.";

    /** The README's table of variables: the same rows as {@code collector --help}; a test keeps the README equal to it. */
    static String markdownTable(List<CollectorConfig.Setting> settings) {
        StringBuilder b = new StringBuilder("| variable | default | meaning |\n| --- | --- | --- |\n");
        for (CollectorConfig.Setting s : settings) {
            String dflt = s.dflt().contains(" ") ? s.dflt() : "`" + s.dflt() + "`";
            b.append("| `").append(s.name()).append("` | ").append(dflt).append(" | ").append(s.meaning()).append(" |\n");
        }
        return b.toString();
    }

    /** The variables as a three-column table of at most {@code width} characters, meanings wrapped. */
    static String variablesHelp(List<CollectorConfig.Setting> settings, int width) {
        int name = settings.stream().mapToInt(s -> s.name().length()).max().orElse(0);
        int dflt = settings.stream().mapToInt(s -> s.dflt().length()).max().orElse(0);
        String format = "  %-" + name + "s  %-" + dflt + "s  %s%n";
        int meaningWidth = Math.max(30, width - name - dflt - 6);
        StringBuilder b = new StringBuilder(String.format(format, "variable", "default", "meaning"));
        for (CollectorConfig.Setting s : settings) {
            List<String> lines = wrap(s.meaning().replace("`", ""), meaningWidth);
            b.append(String.format(format, s.name(), s.dflt(), lines.get(0)));
            for (String more : lines.subList(1, lines.size())) {
                b.append(String.format(format, "", "", more));
            }
        }
        b.append(String.format("%n"));
        for (String line : wrap(FORMATS, width - 2)) {
            b.append("  ").append(line).append(String.format("%n"));
        }
        return b.toString().stripTrailing();
    }

    private static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            line.append(line.length() > 0 ? " " : "").append(word);
        }
        lines.add(line.toString());
        return lines;
    }

    @Override
    public Integer call() throws Exception {
        return run(System.getenv(), spec.commandLine().getErr());
    }

    static int run(Map<String, String> env, PrintWriter err) throws InterruptedException {
        LogSettings logSettings = Logging.configure(env, err);
        if (logSettings == null) {
            return 1;
        }
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
        } catch (ConfigException e) {
            log.error("cannot start: {}", e.getMessage());
            return 1;
        } catch (StoreOpenException e) {
            if (config.storage().isS3()) {
                log.error("cannot start: {}", e.getMessage()); // it names PGOF_STORAGE
            } else {
                log.error("cannot start: {} ({}={})", e.getMessage(), CollectorConfig.DIRECTORY, config.directory());
            }
            return 1;
        } catch (BindException e) {
            log.error("cannot start: {}={}: cannot listen there: {}", CollectorConfig.BIND_ADDRESS, config.bindAddress(),
                    bindReason(e));
            return 1;
        } catch (IOException e) {
            log.error("cannot start: {}={}: {}", CollectorConfig.DIRECTORY, config.directory(),
                    e.getMessage() == null ? "I/O error" : e.getMessage());
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

    /** The OS's reason in words ("Address already in use"), without the exception's class. */
    private static String bindReason(BindException e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return "the address is in use or not available here";
        }
        return m.replaceAll("\\s*\\(Bind failed\\)", "").toLowerCase(java.util.Locale.ROOT);
    }
}
