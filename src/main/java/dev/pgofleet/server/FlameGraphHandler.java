package dev.pgofleet.server;

import dev.pgofleet.pprof.ExcludedFunctions;
import dev.pgofleet.report.FlameGraph;
import dev.pgofleet.report.Summary;
import dev.pgofleet.store.MergeService;
import io.netty.channel.ChannelHandler.Sharable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code GET /v1/flamegraph[?service=NAME][&since=72h][&form=full][&min_share=0.001]}: the
 * merged call tree as JSON ({@code name}, {@code value}, {@code self}, {@code children}), frames
 * below {@code min_share} of the total folded into their parent. Built on the merge thread; the
 * last answer is kept while the merge it came from is current.
 */
@Sharable
final class FlameGraphHandler extends ViewHandler<Double> {
    static final double DEFAULT_MIN_SHARE = 0.001;
    private final AtomicReference<Cached> last = new AtomicReference<>();

    private record Cached(Summary summary, double minShare, String json) {}

    FlameGraphHandler(java.util.function.Function<String, MergeService> merges, int retryAfterSeconds, ExcludedFunctions collectorExcludes) {
        super(Endpoint.FLAMEGRAPH, merges, retryAfterSeconds, collectorExcludes);
    }

    /** {@code min_share}. */
    @Override
    Double arguments(RoutedRequest req) {
        return ViewParams.shareParam(req, "min_share", DEFAULT_MIN_SHARE);
    }

    @Override
    String render(Summary s, ViewParams params, Double minShare) {
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
