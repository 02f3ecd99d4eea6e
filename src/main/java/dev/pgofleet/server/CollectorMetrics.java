package dev.pgofleet.server;

import dev.pgofleet.config.ServiceName;
import dev.pgofleet.store.Services;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryPoolAllocationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The collector's Prometheus metrics (one registry per server), scraped at {@code /metrics}. The
 * submit, merge, stored and compaction series carry a {@code service} label: the service's name
 * when it exists, else {@value #UNKNOWN_SERVICE} (a refused submit of a new name, a merge of a
 * service never stored), so there are at most PGOF_MAX_SERVICES + 1 values.
 */
public final class CollectorMetrics {
    /** The label of a request for a service that does not exist: no valid name starts with '_'. */
    static final String UNKNOWN_SERVICE = "_unknown";

    /** What one service's stored and compaction series read. */
    record Stored(String service, LongSupplier files, LongSupplier profiles, LongSupplier bytes, LongSupplier waiting,
                  LongSupplier folded, LongSupplier deleted) {}

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    final Counter submits = Counter.builder().name("pgof_submits_total")
            .help("Submits by outcome: accepted, invalid, unauthorized, forbidden, too_many_services, too_large, shed, storage_error")
            .labelNames("service", "outcome").register(registry);
    final Counter receivedBytes = Counter.builder().name("pgof_received_bytes_total")
            .help("Bytes of submitted profiles received").register(registry);
    final Counter shed = Counter.builder().name("pgof_shed_total")
            .help("Requests refused with 503 to shed load, by reason: workers, bytes, io, compaction")
            .labelNames("reason").register(registry);
    final Counter merges = Counter.builder().name("pgof_merges_total")
            .help("Merge requests answered, by kind: merge, combine, window").labelNames("service", "kind").register(registry);
    final Histogram mergeSeconds = Histogram.builder().name("pgof_merge_duration_seconds")
            .help("Time to answer a merge request (a shared or cached merge is fast)")
            .classicUpperBounds(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60).labelNames("service").register(registry);
    final Gauge inFlightRequests = Gauge.builder().name("pgof_inflight_requests")
            .help("Submit and merge requests being worked on").register(registry);

    /** Every label value a series can take: each is exported from the start, at zero until it happens. */
    static final String[] SUBMIT_OUTCOMES = java.util.Arrays.stream(Outcome.values()).map(o -> o.metricLabel).distinct().toArray(String[]::new);
    static final String[] SHED_REASONS = {"workers", "bytes", "io", "compaction"};
    static final String[] MERGE_KINDS = {"merge", "combine", "window"};

    /** Whether a service exists now; until {@link #watchServices} only the default one does. */
    private volatile Predicate<String> exists = ServiceName.DEFAULT::equals;

    {
        for (String v : SHED_REASONS) {
            shed.initLabelValues(v);
        }
        startSeries(UNKNOWN_SERVICE);
        startSeries(ServiceName.DEFAULT);
    }

    CollectorMetrics(InFlightBudget budget, ThreadPoolExecutor workers, Services services) {
        this(budget::used, () -> workers.getQueue().size(), () -> services.all().stream()
                .map(s -> new Stored(s.name(), s.store()::storedCount, s.store()::storedProfiles, s.store()::storedBytes,
                        s.store()::unfoldedCount, s.compactor()::foldedProfiles, s.compactor()::deletedFiles)).toList());
        exists = name -> services.get(name) != null;
        services.all().forEach(s -> startSeries(s.name()));
        services.onCreate(s -> startSeries(s.name()));
    }

    /** With the gauges read from the given sources, as one default service; handler tests pass constants. */
    CollectorMetrics(LongSupplier inFlightBytes, LongSupplier queueDepth, LongSupplier storedCount, LongSupplier storedBytes,
                     LongSupplier unfolded) {
        this(inFlightBytes, queueDepth, () -> List.of(new Stored(ServiceName.DEFAULT, () -> 0, storedCount, storedBytes, unfolded,
                () -> 0, () -> 0)));
    }

    private CollectorMetrics(LongSupplier inFlightBytes, LongSupplier queueDepth, Supplier<List<Stored>> stored) {
        gauge("pgof_inflight_bytes", "Request bytes held in memory", inFlightBytes);
        gauge("pgof_worker_queue_depth", "Submits waiting for a worker", queueDepth);
        perService(stored, false, "pgof_stored_files", "Files in the store: raw profiles, rollups and combined files", Stored::files);
        perService(stored, false, "pgof_stored_profiles",
                "Profiles in the store (a rollup or combined file counts the profiles it holds)", Stored::profiles);
        perService(stored, false, "pgof_stored_bytes", "Bytes of profile files in the store", Stored::bytes);
        perService(stored, false, "pgof_compaction_lag_profiles", "Raw profiles not yet folded into a rollup by the compactor",
                Stored::waiting);
        perService(stored, true, "pgof_compacted_profiles_total", "Raw profiles folded into rollups by the compactor", Stored::folded);
        perService(stored, true, "pgof_retention_deleted_files_total",
                "Stored files deleted by PGOF_RETENTION or PGOF_MAX_STORE_BYTES", Stored::deleted);
        // JvmMetrics without its native memory part: that part only reports under
        // -XX:NativeMemoryTracking, and asking starts the platform MBean server (JFR's bean
        // included), seconds of CPU at start on a small machine.
        JvmThreadsMetrics.builder().register(registry);
        JvmBufferPoolMetrics.builder().register(registry);
        JvmClassLoadingMetrics.builder().register(registry);
        JvmCompilationMetrics.builder().register(registry);
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmMemoryPoolAllocationMetrics.builder().register(registry);
        JvmMemoryMetrics.builder().register(registry);
        JvmRuntimeInfoMetric.builder().register(registry);
        ProcessMetrics.builder().register(registry);
    }

    /** Every series of a service, at zero until something happens. */
    private void startSeries(String service) {
        for (String v : SUBMIT_OUTCOMES) {
            submits.initLabelValues(service, v);
        }
        for (String v : MERGE_KINDS) {
            merges.initLabelValues(service, v);
        }
        mergeSeconds.initLabelValues(service);
    }

    /** The {@code service} label of a request for {@code service}. */
    String serviceLabel(String service) {
        return exists.test(service) ? service : UNKNOWN_SERVICE;
    }

    /** Counts a submit to {@code service} that ended as {@code outcome}. */
    void submit(String service, Outcome outcome) {
        submits.labelValues(serviceLabel(service), outcome.metricLabel).inc();
    }

    private void perService(Supplier<List<Stored>> stored, boolean counter, String name, String help,
                            java.util.function.Function<Stored, LongSupplier> value) {
        if (counter) {
            CounterWithCallback.builder().name(name).help(help).labelNames("service")
                    .callback(cb -> stored.get().forEach(s -> cb.call(value.apply(s).getAsLong(), s.service()))).register(registry);
        } else {
            GaugeWithCallback.builder().name(name).help(help).labelNames("service")
                    .callback(cb -> stored.get().forEach(s -> cb.call(value.apply(s).getAsLong(), s.service()))).register(registry);
        }
    }

    private void gauge(String name, String help, LongSupplier value) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong())).register(registry);
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
