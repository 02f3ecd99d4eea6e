package dev.pgofleet.server;

import dev.pgofleet.pprof.ExcludedFunctions;
import dev.pgofleet.report.Summary;
import dev.pgofleet.store.MergeService;
import io.netty.channel.ChannelHandler.Sharable;

/**
 * {@code GET /v1/summary[?service=NAME][&since=72h][&form=full][&top=50][&sort=cum]}: what the
 * merge holds, as JSON (see {@link Summary#json}); 404 while nothing is stored. Computed on the
 * merge thread and cached with the merge.
 */
@Sharable
final class SummaryHandler extends ViewHandler<SummaryHandler.Shown> {
    static final int DEFAULT_TOP = 50, MAX_TOP = 10_000;

    /** How many top functions, sorted by flat or by cum. */
    record Shown(int top, boolean byCum) {}

    SummaryHandler(java.util.function.Function<String, MergeService> merges, int retryAfterSeconds, ExcludedFunctions collectorExcludes) {
        super(Endpoint.SUMMARY, merges, retryAfterSeconds, collectorExcludes);
    }

    @Override
    Shown arguments(RoutedRequest req) {
        int top = ViewParams.intParam(req, "top", DEFAULT_TOP, 1, MAX_TOP);
        String sort = ViewParams.param(req, "sort", "flat");
        if (!sort.equals("flat") && !sort.equals("cum")) {
            throw new IllegalArgumentException("invalid sort=" + sort + ": expected flat or cum");
        }
        return new Shown(top, sort.equals("cum"));
    }

    @Override
    String render(Summary s, ViewParams params, Shown shown) {
        return s.json(params.service(), params.form(), shown.top(), shown.byCum());
    }
}
