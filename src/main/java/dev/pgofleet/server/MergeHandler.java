package dev.pgofleet.server;

import dev.pgofleet.config.GoDuration;
import dev.pgofleet.pprof.ExcludedFunctions;
import dev.pgofleet.pprof.ProfileForm;
import dev.pgofleet.store.MergeResult;
import dev.pgofleet.config.ServiceName;
import dev.pgofleet.store.MergeService;
import dev.pgofleet.store.Services;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * {@code POST /v1/merge[?service=NAME][&and_combine=true][&strip_labels=true][&form=full|lean][&exclude=REGEX...]}: 200
 * with the merged profile in that form and its ETag, or 304 when {@code If-None-Match} names the
 * current ETag; 404 while nothing is stored. The collector's {@code PGOF_PGO_EXCLUDE} patterns
 * apply to every merge, a request's {@code exclude} patterns in addition. Each service is merged
 * on its own, with its own cache and ETag; a service never stored answers as an empty store.
 */
@Sharable
final class MergeHandler extends EndpointHandler {
    /** The merges a request can ask for; {@link MergeService} in the collector, stand-ins in handler tests. */
    interface Merges {
        CompletableFuture<MergeResult> merge(ProfileForm form);

        CompletableFuture<MergeResult> mergeSince(ProfileForm form, long sinceMillis);

        CompletableFuture<MergeResult> combine(ProfileForm form);
    }

    /** Each service's merges; null for a service that does not exist. */
    private final Function<String, Merges> merges;
    private final int retryAfterSeconds;
    private final CollectorMetrics metrics;
    private final ExcludedFunctions exclude;
    /** Bounds on a request's own patterns: each is compiled and run over every function name. */
    static final int MAX_EXCLUDES = 16, MAX_PATTERN_LENGTH = 256;

    MergeHandler(Services services, int retryAfterSeconds, CollectorMetrics metrics, ExcludedFunctions exclude) {
        this(name -> {
            Services.Service s = services.get(name);
            return s == null ? null : of(s.merges());
        }, retryAfterSeconds, metrics, exclude);
    }

    /** The default service's merges only; handler tests pass stand-ins. */
    MergeHandler(Merges merges, int retryAfterSeconds, CollectorMetrics metrics, ExcludedFunctions exclude) {
        this(name -> name.equals(ServiceName.DEFAULT) ? merges : null, retryAfterSeconds, metrics, exclude);
    }

    private static Merges of(MergeService service) {
        return new Merges() {
            @Override public CompletableFuture<MergeResult> merge(ProfileForm form) { return service.merge(form); }
            @Override public CompletableFuture<MergeResult> mergeSince(ProfileForm form, long since) { return service.mergeSince(form, since); }
            @Override public CompletableFuture<MergeResult> combine(ProfileForm form) { return service.combine(form); }
        };
    }

    private MergeHandler(Function<String, Merges> merges, int retryAfterSeconds, CollectorMetrics metrics, ExcludedFunctions exclude) {
        super(Endpoint.MERGE);
        this.exclude = exclude;
        this.metrics = metrics;
        this.merges = merges;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    protected void handle(ChannelHandlerContext ctx, RoutedRequest req) {
        boolean keepAlive = req.keepAlive();
        String ifNoneMatch = req.request().headers().get(HttpHeaderNames.IF_NONE_MATCH);
        Long since;
        ProfileForm form;
        try {
            since = since(req);
            form = form(req, exclude);
        } catch (IllegalArgumentException e) {
            Responses.send(ctx, keepAlive, Responses.text(HttpResponseStatus.BAD_REQUEST, Responses.oneLine(e.getMessage())));
            return;
        }
        CompletableFuture<MergeResult> result;
        String kind = req.flag("and_combine") ? "combine" : since == null ? "merge" : "window";
        String service = req.service();
        Merges of = merges.apply(service);
        long start = System.nanoTime();
        try {
            if (of == null) {
                result = CompletableFuture.completedFuture(MergeResult.EMPTY); // never stored: as an empty store
            } else if (req.flag("and_combine")) {
                result = of.combine(form);
            } else {
                result = since == null ? of.merge(form) : of.mergeSince(form, since);
            }
        } catch (RejectedExecutionException e) {
            Responses.fail(ctx, keepAlive, e, retryAfterSeconds);
            return;
        }
        metrics.inFlightRequests.inc();
        result.whenComplete((r, error) -> {
            metrics.inFlightRequests.dec();
            String label = metrics.serviceLabel(service);
            metrics.merges.labelValues(label, kind).inc();
            metrics.mergeSeconds.labelValues(label).observe((System.nanoTime() - start) / 1e9);
            if (error != null) {
                Responses.fail(ctx, keepAlive, error, retryAfterSeconds);
            } else if (r.isEmpty()) {
                Responses.send(ctx, keepAlive, Responses.text(HttpResponseStatus.NOT_FOUND, "no profiles stored yet"));
            } else if (matches(ifNoneMatch, r.etag())) {
                FullHttpResponse notModified = Responses.empty(HttpResponseStatus.NOT_MODIFIED);
                notModified.headers().set(HttpHeaderNames.ETAG, quoted(r.etag()));
                Responses.send(ctx, keepAlive, notModified);
            } else {
                FullHttpResponse ok = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(r.body()));
                ok.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
                ok.headers().set(HttpHeaderNames.ETAG, quoted(r.etag()));
                ok.headers().set("X-Pgof-Profiles", r.profiles());
                ok.headers().set("X-Pgof-Samples", r.samples());
                ok.headers().set("X-Pgof-Full-Bytes", r.fullBytes());
                Responses.send(ctx, keepAlive, ok);
            }
        });
    }

    /**
     * The form asked for: {@code form=full} (the default) or {@code lean}, {@code strip_labels=true},
     * and the collector's excludes followed by the request's {@code exclude} patterns.
     */
    static ProfileForm form(RoutedRequest req, ExcludedFunctions collectorExcludes) {
        java.util.List<String> forms = req.query().parameters().getOrDefault("form", java.util.List.of());
        String name = forms.isEmpty() ? "full" : forms.get(0);
        if (!name.equals("full") && !name.equals("lean")) {
            throw new IllegalArgumentException("invalid form=" + name + ": expected full or lean");
        }
        java.util.List<String> patterns = req.query().parameters().getOrDefault("exclude", java.util.List.of());
        if (patterns.size() > MAX_EXCLUDES) {
            throw new IllegalArgumentException("too many exclude patterns: at most " + MAX_EXCLUDES);
        }
        for (String p : patterns) {
            if (p.length() > MAX_PATTERN_LENGTH) {
                throw new IllegalArgumentException("exclude pattern too long: at most " + MAX_PATTERN_LENGTH + " characters");
            }
        }
        ExcludedFunctions excludes;
        try {
            excludes = collectorExcludes.and(ExcludedFunctions.of(patterns));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid exclude: " + e.getMessage());
        }
        return new ProfileForm(name.equals("lean"), req.flag("strip_labels"), excludes);
    }

    /** {@code since}: a Go duration back from now (72h) or an RFC 3339 time; null when absent. */
    static Long since(RoutedRequest req) {
        String v = req.param("since");
        if (v == null || v.isBlank()) {
            return null;
        }
        String s = v.trim();
        try {
            return OffsetDateTime.parse(s).toInstant().toEpochMilli();
        } catch (DateTimeParseException notATime) {
            try {
                return Math.subtractExact(System.currentTimeMillis(), GoDuration.parse(s).toMillis());
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new IllegalArgumentException("invalid since=" + s + ": expected a duration (72h) or an RFC 3339 time");
            }
        } catch (DateTimeException | ArithmeticException e) {
            throw new IllegalArgumentException("invalid since=" + s + ": a time out of range");
        }
    }

    private static String quoted(String etag) {
        return "\"" + etag + "\"";
    }

    /** If-None-Match: a list of tags, quoted or not, weak or not, or "*". */
    static boolean matches(String header, String etag) {
        if (header == null) {
            return false;
        }
        for (String part : header.split(",")) {
            String t = part.trim();
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
                t = t.substring(1, t.length() - 1);
            }
            if (t.equals("*") || t.equalsIgnoreCase(etag)) {
                return true;
            }
        }
        return false;
    }
}
