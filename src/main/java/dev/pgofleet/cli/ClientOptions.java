package dev.pgofleet.cli;

import dev.pgofleet.config.GoDuration;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** Options every client command shares: where the collector is, the key, and retries. */
final class ClientOptions {
    @Option(names = "--url", required = true, paramLabel = "BASE", description = "Collector base URL, e.g. http://collector:8080")
    URI url;

    @Option(names = "--key-file", paramLabel = "FILE", description = "File holding the key (first non-blank line); default: the PGOF_KEY variable.")
    Path keyFile;

    @Option(names = "--retries", defaultValue = "5", paramLabel = "N", description = "Attempts for 503/429 and connection errors (default: ${DEFAULT-VALUE}).")
    int retries;

    @Option(names = "--backoff", defaultValue = "1s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "First retry delay when the collector gives no Retry-After; doubles each time (default: ${DEFAULT-VALUE}).")
    Duration backoff;

    CollectorClient client(CommandSpec spec, PrintWriter log) {
        return client(spec, line -> {
            log.println(line);
            log.flush();
        });
    }

    CollectorClient client(CommandSpec spec, java.util.function.Consumer<String> log) {
        String scheme = url.getScheme();
        if (url.getHost() == null || !("http".equals(scheme) || "https".equals(scheme))) {
            throw new ParameterException(spec.commandLine(), "--url must be an http(s) URL, got '" + url + "'");
        }
        return new CollectorClient(url, key(spec), retries, backoff, log);
    }

    private String key(CommandSpec spec) {
        if (keyFile != null) {
            try {
                return Files.readAllLines(keyFile).stream().map(String::trim).filter(l -> !l.isEmpty()).findFirst()
                        .orElseThrow(() -> new ParameterException(spec.commandLine(), "--key-file " + keyFile + " holds no key"));
            } catch (IOException e) {
                throw new ParameterException(spec.commandLine(), "--key-file " + keyFile + ": cannot read: " + e.getMessage());
            }
        }
        String env = System.getenv("PGOF_KEY");
        if (env == null || env.isBlank()) {
            throw new ParameterException(spec.commandLine(), "no key: give --key-file FILE or set PGOF_KEY");
        }
        return env.trim();
    }

    /** Go-style durations on the command line: 90s, 5m, 1h30m. */
    static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return GoDuration.parse(value);
        }
    }
}
