package dev.pgofleet.config;

import dev.pgofleet.pprof.ExcludedFunctions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/**
 * Every setting of the collector, read from {@code PGOF_*} environment variables. The first four
 * names and defaults are the original Go collector's, so a deployment can swap it for this one.
 */
public record CollectorConfig(
        BindAddress bindAddress,
        Path directory,
        Path submitKeysFile,
        Path mergeKeysFile,
        long maxBodyBytes,
        long maxDecompressedBytes,
        int workerThreads,
        int workerQueue,
        int ioThreads,
        long maxInFlightBytes,
        Duration requestTimeout,
        Duration idleTimeout,
        int retryAfterSeconds,
        Duration shutdownTimeout,
        boolean metricsEnabled,
        Duration keyReloadInterval,
        Duration compactInterval,
        Duration retention,
        long maxStoreBytes,
        long maxCompactionLag,
        ExcludedFunctions pgoExclude) {

    public static final String BIND_ADDRESS = "PGOF_BIND_ADDRESS";
    public static final String DIRECTORY = "PGOF_DIRECTORY";
    public static final String SUBMIT_KEYS = "PGOF_SUBMIT_AUTH_KEYS_FILE";
    public static final String MERGE_KEYS = "PGOF_MERGE_AUTH_KEYS_FILE";

    /** Name, default and meaning of each variable; the README lists the same. */
    public static final String[][] VARIABLES = {
        {BIND_ADDRESS, "127.0.0.1:8080", "listen address: host:port, :port (all interfaces) or [v6]:port"},
        {DIRECTORY, "./profiles", "where profiles are stored (created if missing)"},
        {SUBMIT_KEYS, "/secret/submit_keys", "file of keys allowed to submit, one per line"},
        {MERGE_KEYS, "/secret/merge_keys", "file of keys allowed to merge, one per line"},
        {"PGOF_MAX_BODY_BYTES", "16777216", "largest request body accepted (413 above)"},
        {"PGOF_MAX_DECOMPRESSED_BYTES", "67108864", "largest profile after gunzip (400 above)"},
        {"PGOF_WORKER_THREADS", "number of cores", "threads that parse and validate profiles"},
        {"PGOF_WORKER_QUEUE", "64", "requests that may wait for a worker before 503"},
        {"PGOF_IO_THREADS", "8", "threads that write and fsync stored profiles"},
        {"PGOF_MAX_INFLIGHT_BYTES", "a quarter of the heap", "request bytes held at once before 503"},
        {"PGOF_REQUEST_TIMEOUT", "30s", "deadline for receiving a whole request (head and body), and for a client to take its answer"},
        {"PGOF_IDLE_TIMEOUT", "60s", "idle keep-alive connections are closed after this"},
        {"PGOF_RETRY_AFTER", "1s", "Retry-After sent with 503"},
        {"PGOF_SHUTDOWN_TIMEOUT", "20s", "how long SIGTERM waits for in-flight work"},
        {"PGOF_METRICS", "on", "serve Prometheus metrics at /metrics, unauthenticated (off: 404)"},
        {"PGOF_KEY_RELOAD_INTERVAL", "5s", "how often the key files are checked for changes (SIGHUP reloads at once)"},
        {"PGOF_COMPACT_INTERVAL", "10s", "how often new profiles are folded into hourly/daily rollups (sooner during a burst)"},
        {"PGOF_RETENTION", "unset", "delete what was received longer ago than this, e.g. 30d (unset: keep everything)"},
        {"PGOF_MAX_STORE_BYTES", "unset", "delete the oldest stored data first while the store is larger (unset: no limit)"},
        {"PGOF_MAX_COMPACTION_LAG", "20000", "submits get 503 while this many profiles wait for compaction (0: never)"},
        {"PGOF_PGO_EXCLUDE", "unset", "regular expressions, separated by spaces: functions whose name matches are renamed in every merge so that Go's PGO makes no call edge into or out of them hot"},
    };

    public static CollectorConfig fromEnv(Map<String, String> env) throws ConfigException {
        Reader r = new Reader(env);
        int cores = Runtime.getRuntime().availableProcessors();
        CollectorConfig c = new CollectorConfig(
                r.get(BIND_ADDRESS, "127.0.0.1:8080", BindAddress::parse),
                r.get(DIRECTORY, "./profiles", Path::of),
                r.get(SUBMIT_KEYS, "/secret/submit_keys", Path::of),
                r.get(MERGE_KEYS, "/secret/merge_keys", Path::of),
                r.positiveLong("PGOF_MAX_BODY_BYTES", 16L << 20),
                r.positiveLong("PGOF_MAX_DECOMPRESSED_BYTES", 64L << 20),
                (int) r.positiveLong("PGOF_WORKER_THREADS", cores),
                (int) r.positiveLong("PGOF_WORKER_QUEUE", 64),
                (int) r.positiveLong("PGOF_IO_THREADS", 8),
                r.positiveLong("PGOF_MAX_INFLIGHT_BYTES", Math.max(16L << 20, Runtime.getRuntime().maxMemory() / 4)),
                r.duration("PGOF_REQUEST_TIMEOUT", "30s"),
                r.duration("PGOF_IDLE_TIMEOUT", "60s"),
                (int) Math.max(1, r.duration("PGOF_RETRY_AFTER", "1s").toSeconds()),
                r.duration("PGOF_SHUTDOWN_TIMEOUT", "20s"),
                r.get("PGOF_METRICS", "on", CollectorConfig::onOff),
                r.duration("PGOF_KEY_RELOAD_INTERVAL", "5s"),
                r.duration("PGOF_COMPACT_INTERVAL", "10s"),
                r.optional("PGOF_RETENTION") ? r.duration("PGOF_RETENTION", "0") : null,
                r.optional("PGOF_MAX_STORE_BYTES") ? r.positiveLong("PGOF_MAX_STORE_BYTES", 1) : 0,
                r.nonNegativeLong("PGOF_MAX_COMPACTION_LAG", 20_000),
                r.get("PGOF_PGO_EXCLUDE", "", v -> ExcludedFunctions.of(v.isBlank() ? java.util.List.of() : java.util.List.of(v.trim().split("\\s+")))));
        if (c.maxDecompressedBytes > Integer.MAX_VALUE - 8) {
            throw new ConfigException("PGOF_MAX_DECOMPRESSED_BYTES=" + c.maxDecompressedBytes + " is too large: at most 2 GiB");
        }
        if (c.maxInFlightBytes < c.maxBodyBytes) {
            throw new ConfigException("PGOF_MAX_INFLIGHT_BYTES=" + c.maxInFlightBytes
                    + " must be at least PGOF_MAX_BODY_BYTES=" + c.maxBodyBytes);
        }
        return c;
    }

    private static boolean onOff(String v) {
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "on", "true", "1", "yes" -> true;
            case "off", "false", "0", "no" -> false;
            default -> throw new IllegalArgumentException("expected on or off");
        };
    }

    private record Reader(Map<String, String> env) {
        <T> T get(String name, String dflt, Function<String, T> parse) throws ConfigException {
            String raw = env.get(name);
            String value = raw == null || raw.isBlank() ? dflt : raw.trim();
            try {
                return parse.apply(value);
            } catch (RuntimeException e) {
                throw new ConfigException(name + "=" + value + " is invalid: " + e.getMessage());
            }
        }

        /** Whether an optional setting is given at all. */
        boolean optional(String name) {
            String raw = env.get(name);
            return raw != null && !raw.isBlank();
        }

        long nonNegativeLong(String name, long dflt) throws ConfigException {
            long v = get(name, Long.toString(dflt), Long::parseLong);
            if (v < 0) {
                throw new ConfigException(name + "=" + v + " is invalid: must be 0 or a positive whole number");
            }
            return v;
        }

        long positiveLong(String name, long dflt) throws ConfigException {
            long v = get(name, Long.toString(dflt), Long::parseLong);
            if (v <= 0) {
                throw new ConfigException(name + "=" + v + " is invalid: must be a positive whole number");
            }
            return v;
        }

        Duration duration(String name, String dflt) throws ConfigException {
            Duration d = get(name, dflt, GoDuration::parse);
            if (d.isNegative() || d.isZero()) {
                throw new ConfigException(name + "=" + env.get(name) + " is invalid: must be positive");
            }
            return d;
        }
    }
}
