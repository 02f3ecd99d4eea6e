package dev.pgofleet.server;

import dev.pgofleet.store.ProfileStore;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.LongSupplier;

/** The collector's Prometheus metrics (one registry per server), scraped at {@code /metrics}. */
public final class CollectorMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    final Counter submits = Counter.builder().name("pgof_submits_total")
            .help("Submits by outcome: accepted, invalid, unauthorized, too_large, shed, storage_error")
            .labelNames("outcome").register(registry);
    final Counter receivedBytes = Counter.builder().name("pgof_received_bytes_total")
            .help("Bytes of submitted profiles received").register(registry);
    final Counter shed = Counter.builder().name("pgof_shed_total")
            .help("Requests refused with 503 to shed load, by reason: workers, bytes, io, compaction")
            .labelNames("reason").register(registry);
    final Counter merges = Counter.builder().name("pgof_merges_total")
            .help("Merge requests answered, by kind: merge, combine, window").labelNames("kind").register(registry);
    final Histogram mergeSeconds = Histogram.builder().name("pgof_merge_duration_seconds")
            .help("Time to answer a merge request (a shared or cached merge is fast)")
            .classicUpperBounds(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60).register(registry);
    final Gauge inFlightRequests = Gauge.builder().name("pgof_inflight_requests")
            .help("Submit and merge requests being worked on").register(registry);

    /** Every label value a series can take: each is exported from the start, at zero until it happens. */
    static final String[] SUBMIT_OUTCOMES = java.util.Arrays.stream(Outcome.values()).map(o -> o.metricLabel).distinct().toArray(String[]::new);
    static final String[] SHED_REASONS = {"workers", "bytes", "io", "compaction"};
    static final String[] MERGE_KINDS = {"merge", "combine", "window"};

    {
        for (String v : SUBMIT_OUTCOMES) {
            submits.initLabelValues(v);
        }
        for (String v : SHED_REASONS) {
            shed.initLabelValues(v);
        }
        for (String v : MERGE_KINDS) {
            merges.initLabelValues(v);
        }
    }

    CollectorMetrics(InFlightBudget budget, ThreadPoolExecutor workers, ProfileStore store) {
        this(budget::used, () -> workers.getQueue().size(), store::storedProfiles, store::storedBytes, store::unfoldedCount);
        gauge("pgof_stored_files", "Files in the store: raw profiles, rollups and combined files", store::storedCount);
    }

    /** With the gauges read from the given sources; handler tests pass constants. */
    CollectorMetrics(LongSupplier inFlightBytes, LongSupplier queueDepth, LongSupplier storedCount, LongSupplier storedBytes,
                     LongSupplier unfolded) {
        gauge("pgof_inflight_bytes", "Request bytes held in memory", inFlightBytes);
        gauge("pgof_worker_queue_depth", "Submits waiting for a worker", queueDepth);
        gauge("pgof_stored_profiles", "Profiles in the store (a rollup or combined file counts the profiles it holds)", storedCount);
        gauge("pgof_stored_bytes", "Bytes of profile files in the store", storedBytes);
        gauge("pgof_compaction_lag_profiles", "Raw profiles not yet folded into a rollup by the compactor", unfolded);
        JvmMetrics.builder().register(registry);
    }

    private void gauge(String name, String help, LongSupplier value) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong())).register(registry);
    }

    /** Counts of the background compactor: raw profiles folded into rollups, files deleted by retention. */
    void watchCompactor(LongSupplier foldedProfiles, LongSupplier deletedFiles) {
        counter("pgof_compacted_profiles_total", "Raw profiles folded into rollups by the compactor", foldedProfiles);
        counter("pgof_retention_deleted_files_total", "Stored files deleted by PGOF_RETENTION or PGOF_MAX_STORE_BYTES",
                deletedFiles);
    }

    /**
     * Stored files a merge or compaction could not fold and set aside in quarantine/: submitted
     * profiles, and the collector's own rollups and combined merges (each one an alarm).
     */
    void watchQuarantine(LongSupplier submitted, LongSupplier own) {
        CounterWithCallback.builder().name("pgof_quarantined_files_total")
                .help("Stored files moved to quarantine/ because they could not be merged, by kind: submitted, own (rollups and combined merges: an alarm)")
                .labelNames("kind")
                .callback(cb -> {
                    cb.call(submitted.getAsLong(), "submitted");
                    cb.call(own.getAsLong(), "own");
                }).register(registry);
    }

    /** Requests made to a storage service (S3), by operation; none for the directory store. */
    void watchStorageRequests(java.util.function.Supplier<java.util.Map<String, Long>> requests) {
        CounterWithCallback.builder().name("pgof_storage_requests_total")
                .help("Requests made to the storage service (S3), by operation: PUT, GET, LIST, DELETE, DELETE_MANY, COPY")
                .labelNames("operation")
                .callback(cb -> requests.get().forEach((op, n) -> cb.call(n, op))).register(registry);
    }

    /** Key reloads that failed and kept the previous keys (a file unreadable, empty or holding a bad key). */
    void watchKeyReloads(LongSupplier failures) {
        counter("pgof_key_reload_failures_total", "Key reloads that failed; the previous keys stay in use", failures);
    }

    private void counter(String name, String help, LongSupplier value) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong())).register(registry);
    }

    /** The Prometheus text format of every metric. Reads JVM state: call it off the event loop. */
    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    String contentType() {
        return writer.getContentType();
    }
}
