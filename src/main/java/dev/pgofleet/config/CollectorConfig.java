package dev.pgofleet.config;

import dev.pgofleet.pprof.ExcludedFunctions;
import java.nio.file.Path;
import java.time.Duration;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
        NetworkTransport transport,
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
        ExcludedFunctions pgoExclude,
        int maxServices,
        StorageSettings storage,
        boolean compactor) {

    public static final String BIND_ADDRESS = "PGOF_BIND_ADDRESS";
    public static final String DIRECTORY = "PGOF_DIRECTORY";
    public static final String SUBMIT_KEYS = "PGOF_SUBMIT_AUTH_KEYS_FILE";
    public static final String MERGE_KEYS = "PGOF_MERGE_AUTH_KEYS_FILE";
    public static final String TRANSPORT = "PGOF_TRANSPORT";

    /**
     * Name, default and meaning of each variable, in the README's words: {@code collector --help}
     * prints this table and a test checks that the README's table is the same.
     */
    public static final List<Setting> VARIABLES = List.of(
        new Setting(BIND_ADDRESS, "127.0.0.1:8080", "`host:port`, `:port` (all interfaces) or `[v6]:port`"),
        new Setting(DIRECTORY, "./profiles", "where profiles are stored (created if missing)"),
        new Setting(SUBMIT_KEYS, "/secret/submit_keys", "keys allowed to submit, one per line (see below)"),
        new Setting(MERGE_KEYS, "/secret/merge_keys", "keys allowed to merge, same format"),
        new Setting("PGOF_MAX_BODY_BYTES", "16MiB", "largest request body (413 above)"),
        new Setting("PGOF_MAX_DECOMPRESSED_BYTES", "64MiB", "largest profile after gunzip (at most 2 GiB)"),
        new Setting("PGOF_WORKER_THREADS", "number of cores", "threads that validate submits"),
        new Setting("PGOF_WORKER_QUEUE", "64", "submits that may wait for a worker (503 above)"),
        new Setting("PGOF_IO_THREADS", "8", "threads that write and fsync stored profiles"),
        new Setting(TRANSPORT, "auto", "`epoll` (Linux), `nio`, or `auto`: epoll where it loads, else NIO"),
        new Setting("PGOF_MAX_INFLIGHT_BYTES", "a quarter of the heap", "request bytes held in memory at once (503 above)"),
        new Setting("PGOF_REQUEST_TIMEOUT", "30s", "to receive a whole request, and for a client to take its answer"),
        new Setting("PGOF_IDLE_TIMEOUT", "60s", "idle keep-alive connections are closed"),
        new Setting("PGOF_RETRY_AFTER", "1s", "the `Retry-After` of a 503, whole seconds (at most 24h)"),
        new Setting("PGOF_SHUTDOWN_TIMEOUT", "20s", "how long SIGTERM waits for in-flight work"),
        new Setting(LogSettings.LEVEL, "INFO", "`ERROR`, `WARN`, `INFO`, `DEBUG` or `TRACE` (to stderr)"),
        new Setting(LogSettings.FORMAT, "text", "`text`, or `json` (one object per line)"),
        new Setting("PGOF_METRICS", "on", "`off`: no `/metrics` (404)"),
        new Setting("PGOF_KEY_RELOAD_INTERVAL", "5s", "how often key files are checked for changes"),
        new Setting("PGOF_COMPACT_INTERVAL", "10s", "how often new profiles are folded into rollups"),
        new Setting("PGOF_RETENTION", "unset: keep everything", "per service: delete data older than this (`30d`)"),
        new Setting("PGOF_MAX_STORE_BYTES", "unset: no limit", "per service: delete the oldest data above this size"),
        new Setting("PGOF_MAX_COMPACTION_LAG", "20000", "per service: 503 while this many wait to be folded (`0`: never)"),
        new Setting("PGOF_PGO_EXCLUDE", "unset", "space-separated regexes: matching functions make no hot call edge"),
        new Setting("PGOF_MAX_SERVICES", "1000", "services that submits may create (403 beyond)"),
        new Setting(StorageSettings.STORAGE, "dir", "`dir`, or `s3://BUCKET/PREFIX` ([S3](docs/s3.md))"),
        new Setting(StorageSettings.ENDPOINT, "unset: AWS", "the S3 API's URL (MinIO, Ceph, GCS)"),
        new Setting(StorageSettings.REGION, "AWS_REGION", "the bucket's region"),
        new Setting(StorageSettings.PATH_STYLE, "off", "`on`: path-style URLs (MinIO)"),
        new Setting(StorageSettings.SETTLE, "30s", "younger raw profiles are not folded yet"),
        new Setting("PGOF_COMPACTOR", "on", "`off`: no compaction nor retention (replicas but one)"));

    /** One row of {@link #VARIABLES}. */
    public record Setting(String name, String dflt, String meaning) {}

    /** Durations below this are refused: the timers work in milliseconds, and 0 would turn a timeout off. */
    private static final Duration SHORTEST = Duration.ofMillis(1);
    private static final long MAX_RETRY_AFTER_SECONDS = 86_400;

    public static CollectorConfig fromEnv(Map<String, String> env) throws ConfigException {
        Reader r = new Reader(env);
        int cores = Runtime.getRuntime().availableProcessors();
        CollectorConfig c = new CollectorConfig(
                r.get(BIND_ADDRESS, "127.0.0.1:8080", CollectorConfig::resolvable),
                r.get(DIRECTORY, "./profiles", java.nio.file.Path::of),
                r.get(SUBMIT_KEYS, "/secret/submit_keys", java.nio.file.Path::of),
                r.get(MERGE_KEYS, "/secret/merge_keys", java.nio.file.Path::of),
                r.size("PGOF_MAX_BODY_BYTES", 16L << 20),
                r.size("PGOF_MAX_DECOMPRESSED_BYTES", 64L << 20),
                r.count("PGOF_WORKER_THREADS", cores, 4096),
                r.count("PGOF_WORKER_QUEUE", 64, 100_000),
                r.count("PGOF_IO_THREADS", 8, 4096),
                r.get(TRANSPORT, "auto", NetworkTransport::parse),
                r.size("PGOF_MAX_INFLIGHT_BYTES", Math.max(16L << 20, Runtime.getRuntime().maxMemory() / 4)),
                r.duration("PGOF_REQUEST_TIMEOUT", "30s"),
                r.duration("PGOF_IDLE_TIMEOUT", "60s"),
                r.retryAfterSeconds("PGOF_RETRY_AFTER", "1s"),
                r.duration("PGOF_SHUTDOWN_TIMEOUT", "20s"),
                r.get("PGOF_METRICS", "on", CollectorConfig::onOff),
                r.duration("PGOF_KEY_RELOAD_INTERVAL", "5s"),
                r.duration("PGOF_COMPACT_INTERVAL", "10s"),
                r.optional("PGOF_RETENTION") ? r.duration("PGOF_RETENTION", "0") : null,
                r.optional("PGOF_MAX_STORE_BYTES") ? r.size("PGOF_MAX_STORE_BYTES", 1) : 0,
                r.nonNegativeLong("PGOF_MAX_COMPACTION_LAG", 20_000),
                r.get("PGOF_PGO_EXCLUDE", "", v -> ExcludedFunctions.of(v.isBlank() ? java.util.List.of() : java.util.List.of(v.trim().split("\\s+")))),
                r.count("PGOF_MAX_SERVICES", 1000, 1_000_000),
                storage(r),
                r.get("PGOF_COMPACTOR", "on", CollectorConfig::onOff));
        if (c.maxDecompressedBytes > Integer.MAX_VALUE - 8) {
            throw new ConfigException("PGOF_MAX_DECOMPRESSED_BYTES=" + r.raw("PGOF_MAX_DECOMPRESSED_BYTES")
                    + " is too large: at most 2 GiB");
        }
        if (c.maxInFlightBytes < c.maxBodyBytes) {
            throw new ConfigException("PGOF_MAX_INFLIGHT_BYTES=" + (r.optional("PGOF_MAX_INFLIGHT_BYTES")
                    ? r.raw("PGOF_MAX_INFLIGHT_BYTES") : c.maxInFlightBytes + " (a quarter of the heap)")
                    + " is invalid: must be at least PGOF_MAX_BODY_BYTES (" + c.maxBodyBytes + " bytes)");
        }
        return c;
    }

    private static StorageSettings storage(Reader r) throws ConfigException {
        java.net.URI endpoint = r.optional(StorageSettings.ENDPOINT) ? r.get(StorageSettings.ENDPOINT, "", StorageSettings::endpoint) : null;
        String regionVariable = r.optional(StorageSettings.REGION) ? StorageSettings.REGION : "AWS_REGION";
        String region = r.optional(regionVariable) ? r.get(regionVariable, "", StorageSettings::region) : null;
        boolean pathStyle = r.get(StorageSettings.PATH_STYLE, "off", CollectorConfig::onOff);
        Duration settle = r.duration(StorageSettings.SETTLE, "30s");
        return r.get(StorageSettings.STORAGE, "dir", v -> StorageSettings.parse(v, endpoint, region, pathStyle, settle));
    }

    /** A bind address whose host resolves now, so a typo stops the start instead of failing the bind. */
    private static BindAddress resolvable(String text) {
        BindAddress a = BindAddress.parse(text);
        if (!a.host().isEmpty()) {
            try {
                InetAddress.getByName(a.host());
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("host '" + a.host() + "' cannot be resolved");
            }
        }
        return a;
    }

    private static boolean onOff(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "on", "true", "1", "yes" -> true;
            case "off", "false", "0", "no" -> false;
            default -> throw new IllegalArgumentException("expected on or off");
        };
    }

    private record Reader(Map<String, String> env) {
        <T> T get(String name, String dflt, java.util.function.Function<String, T> parse) throws ConfigException {
            String value = raw(name) == null ? dflt : raw(name);
            try {
                return parse.apply(value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name + "=" + value + " is invalid: " + e.getMessage());
            }
        }

        /** The value as given, trimmed; null when unset or blank. */
        String raw(String name) {
            String v = env.get(name);
            return v == null || v.isBlank() ? null : v.trim();
        }

        /** Whether an optional setting is given at all. */
        boolean optional(String name) {
            return raw(name) != null;
        }

        long nonNegativeLong(String name, long dflt) throws ConfigException {
            long v = get(name, Long.toString(dflt), t -> wholeNumber(t, Long.MAX_VALUE));
            if (v < 0) {
                throw new ConfigException(name + "=" + raw(name) + " is invalid: must be 0 or a positive whole number");
            }
            return v;
        }

        int count(String name, int dflt, int max) throws ConfigException {
            long v = get(name, Integer.toString(dflt), t -> wholeNumber(t, max));
            if (v < 1 || v > max) {
                throw new ConfigException(name + "=" + raw(name) + " is invalid: must be a whole number from 1 to " + max);
            }
            return (int) v;
        }

        long size(String name, long dflt) throws ConfigException {
            long v = get(name, Long.toString(dflt), ByteSize::parse);
            if (v <= 0) {
                throw new ConfigException(name + "=" + raw(name) + " is invalid: must be a positive size");
            }
            return v;
        }

        Duration duration(String name, String dflt) throws ConfigException {
            Duration d = get(name, dflt, GoDuration::parse);
            if (d.compareTo(SHORTEST) < 0) {
                throw new ConfigException(name + "=" + raw(name) + " is invalid: must be at least 1ms");
            }
            return d;
        }

        int retryAfterSeconds(String name, String dflt) throws ConfigException {
            Duration d = duration(name, dflt);
            long seconds = d.toSeconds() + (d.toNanosPart() == 0 ? 0 : 1);
            if (seconds > MAX_RETRY_AFTER_SECONDS) {
                throw new ConfigException(name + "=" + raw(name) + " is invalid: at most 24h");
            }
            return (int) seconds;
        }

        /** A whole number; one too large for {@code max} is refused rather than wrapped around. */
        private static long wholeNumber(String text, long max) {
            if (!text.matches("[+-]?[0-9]+")) {
                throw new IllegalArgumentException("expected a whole number");
            }
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("too large: at most " + max);
            }
        }
    }
}
