package dev.pgofleet.cli;

import dev.pgofleet.config.ConfigException;
import dev.pgofleet.config.GoDuration;
import dev.pgofleet.config.KeyRing;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/** Options every client command shares: where the collector is, the key, and retries. */
final class ClientOptions {
    @Option(names = "--url", required = true, paramLabel = "URL", converter = CollectorUrlConverter.class,
            description = "The collector: its base URL (http://collector:8080) or the full submit or merge URL.")
    URI url;

    @Option(names = "--key-file", paramLabel = "FILE", description = "File holding the key (the first key line; # comments and services after it are skipped); "
            + "default: the PGOF_KEY variable.")
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
        if (retries < 1) {
            throw new ParameterException(spec.commandLine(), "--retries must be at least 1, got " + retries);
        }
        if (backoff.compareTo(Duration.ofMillis(1)) < 0) {
            throw new ParameterException(spec.commandLine(), "--backoff must be at least 1ms, got " + GoDuration.format(backoff));
        }
        return new CollectorClient(url, key(spec), retries, backoff, log);
    }

    private String key(CommandSpec spec) {
        if (keyFile != null) {
            try {
                List<String> keys = KeyRing.read("--key-file " + keyFile, keyFile);
                if (keys.isEmpty()) {
                    throw new ParameterException(spec.commandLine(), "--key-file " + keyFile + " holds no key");
                }
                return keys.get(0);
            } catch (ConfigException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        String env = System.getenv("PGOF_KEY");
        if (env == null || env.isBlank()) {
            throw new ParameterException(spec.commandLine(), "no key: give --key-file FILE or set PGOF_KEY");
        }
        try {
            return KeyRing.sendable("PGOF_KEY", env);
        } catch (ConfigException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** An http(s) URL with a host, as a message naming what is expected when it is not one. */
    static URI httpUrl(String value, String example) {
        URI u;
        try {
            u = new URI(value.trim());
        } catch (URISyntaxException e) {
            throw new TypeConversionException("'" + value + "' is not a URL; expected one such as " + example);
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null || u.getHost().isEmpty()) {
            throw new TypeConversionException("'" + value + "' is not an http:// or https:// URL with a host; expected one such as "
                    + example);
        }
        return u;
    }

    /**
     * The collector's base URL: given as the base or, as the original Go collector's clients do, as the full
     * {@code /v1/submit} (or {@code /v1/merge}) URL, which is cut back to the base.
     */
    static final class CollectorUrlConverter implements ITypeConverter<URI> {
        @Override
        public URI convert(String value) {
            URI u = httpUrl(value, "http://collector:8080");
            if (u.getRawQuery() != null || u.getRawFragment() != null) {
                String hint = u.getRawQuery() != null && u.getRawQuery().contains("service=")
                        ? "; give the service with --service NAME" : "";
                throw new TypeConversionException("'" + value + "': expected a base URL without ?query or #fragment, "
                        + "such as http://collector:8080" + hint);
            }
            String path = u.getRawPath() == null ? "" : u.getRawPath().replaceAll("/+$", "");
            for (String endpoint : new String[] {"/v1/submit", "/v1/merge"}) {
                if (path.endsWith(endpoint)) {
                    path = path.substring(0, path.length() - endpoint.length());
                }
            }
            return URI.create(u.getScheme() + "://" + u.getRawAuthority() + path);
        }
    }

    /** Durations as Go's time.ParseDuration reads them (90s, 1.5s, 1h30m), plus d for days. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return GoDuration.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "': " + e.getMessage());
            }
        }
    }
}
