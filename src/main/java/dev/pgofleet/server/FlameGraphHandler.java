package dev.pgofleet.server;

import dev.pgofleet.pprof.ExcludedFunctions;
import dev.pgofleet.report.FlameGraph;
import dev.pgofleet.report.Summary;
import dev.pgofleet.store.MergeService;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code GET /v1/flamegraph[?service=default][&since=72h][&form=full][&min_share=0.001]}: the
 * merged call tree as JSON ({@code name}, {@code value}, {@code self}, {@code children}), frames
 * below {@code min_share} of the total folded into their parent. Built on the merge thread; the
 * last answer is kept while the merge it came from is current.
 */
@Sharable
final class FlameGraphHandler extends EndpointHandler {
    static final double DEFAULT_MIN_SHARE = 0.001;
    private final MergeService merges;
    private final int retryAfterSeconds;
    private final ExcludedFunctions collectorExcludes;
    private final java.util.concurrent.atomic.AtomicReference<Cached> last = new java.util.concurrent.atomic.AtomicReference<>();

    private record Cached(Summary summary, double minShare, String json) {}

    FlameGraphHandler(MergeService merges, int retryAfterSeconds, ExcludedFunctions collectorExcludes) {
        super(Endpoint.FLAMEGRAPH);
        this.collectorExcludes = collectorExcludes;
        this.merges = merges;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    protected void handle(ChannelHandlerContext ctx, RoutedRequest req) {
        boolean keepAlive = req.keepAlive();
        ViewParams params;
        double minShare;
        try {
            params = ViewParams.of(req, collectorExcludes);
            minShare = ViewParams.shareParam(req, "min_share", DEFAULT_MIN_SHARE);
        } catch (IllegalArgumentException e) {
            Responses.send(ctx, keepAlive, Responses.text(HttpResponseStatus.BAD_REQUEST, e.getMessage()));
            return;
        }
        CompletableFuture<String> json;
        try {
            json = merges.summary(params.profileForm(), params.sinceMillis()).thenCompose(s -> s == null
                    ? CompletableFuture.completedFuture(null) : merges.onMergeThread(() -> json(s, minShare)));
        } catch (RejectedExecutionException e) {
            Responses.fail(ctx, keepAlive, e, retryAfterSeconds);
            return;
        }
        json.whenComplete((body, error) -> {
            if (error != null) {
                Responses.fail(ctx, keepAlive, error, retryAfterSeconds);
            } else if (body == null) {
                Responses.send(ctx, keepAlive, Responses.text(HttpResponseStatus.NOT_FOUND, "no profiles stored yet"));
            } else {
                Responses.send(ctx, keepAlive, JsonResponses.ok(body));
            }
        });
    }

    private String json(Summary s, double minShare) {
        Cached c = last.get();
        if (c != null && c.summary == s && c.minShare == minShare) {
            return c.json;
        }
        StringBuilder out = new StringBuilder(64 * 1024);
        FlameGraph.writeJson(FlameGraph.fold(FlameGraph.of(s.profile()), minShare), out);
        last.set(new Cached(s, minShare, out.toString()));
        return out.toString();
    }
}
