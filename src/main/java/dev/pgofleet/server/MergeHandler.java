package dev.pgofleet.server;

import dev.pgofleet.config.GoDuration;
import dev.pgofleet.store.MergeResult;
import dev.pgofleet.store.MergeService;
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

/**
 * {@code POST /v1/merge[?and_combine=true][&strip_labels=true]}: 200 with the merged profile and
 * its ETag, or 304 when {@code If-None-Match} names the current ETag; 404 while nothing is stored.
 */
@Sharable
final class MergeHandler extends EndpointHandler {
    /** The merges a request can ask for; {@link MergeService} in the collector, stand-ins in handler tests. */
    interface Merges {
        CompletableFuture<MergeResult> merge(boolean stripLabels);

        CompletableFuture<MergeResult> mergeSince(boolean stripLabels, long sinceMillis);

        CompletableFuture<MergeResult> combine(boolean stripLabels);
    }

    private final Merges merges;
    private final int retryAfterSeconds;
    private final CollectorMetrics metrics;

    MergeHandler(MergeService service, int retryAfterSeconds, CollectorMetrics metrics) {
        this(new Merges() {
            @Override public CompletableFuture<MergeResult> merge(boolean strip) { return service.merge(strip); }
            @Override public CompletableFuture<MergeResult> mergeSince(boolean strip, long since) { return service.mergeSince(strip, since); }
            @Override public CompletableFuture<MergeResult> combine(boolean strip) { return service.combine(strip); }
        }, retryAfterSeconds, metrics);
    }

    MergeHandler(Merges merges, int retryAfterSeconds, CollectorMetrics metrics) {
        super(Endpoint.MERGE);
        this.metrics = metrics;
        this.merges = merges;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    protected void handle(ChannelHandlerContext ctx, RoutedRequest req) {
        boolean keepAlive = req.keepAlive();
        boolean strip = req.flag("strip_labels");
        String ifNoneMatch = req.request().headers().get(HttpHeaderNames.IF_NONE_MATCH);
        Long since;
        try {
            since = since(req);
        } catch (IllegalArgumentException e) {
            Responses.send(ctx, keepAlive, Responses.text(HttpResponseStatus.BAD_REQUEST, Responses.oneLine(e.getMessage())));
            return;
        }
        CompletableFuture<MergeResult> result;
        String kind = req.flag("and_combine") ? "combine" : since == null ? "merge" : "window";
        long start = System.nanoTime();
        try {
            if (req.flag("and_combine")) {
                result = merges.combine(strip);
            } else {
                result = since == null ? merges.merge(strip) : merges.mergeSince(strip, since);
            }
        } catch (RejectedExecutionException e) {
            Responses.fail(ctx, keepAlive, e, retryAfterSeconds);
            return;
        }
        metrics.inFlightRequests.inc();
        result.whenComplete((r, error) -> {
            metrics.inFlightRequests.dec();
            metrics.merges.labelValues(kind).inc();
            metrics.mergeSeconds.observe((System.nanoTime() - start) / 1e9);
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
                Responses.send(ctx, keepAlive, ok);
            }
        });
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
