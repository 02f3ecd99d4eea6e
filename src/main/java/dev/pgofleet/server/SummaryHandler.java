package dev.pgofleet.server;

import dev.pgofleet.pprof.ExcludedFunctions;
import dev.pgofleet.report.Summary;
import dev.pgofleet.store.MergeService;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code GET /v1/summary[?service=default][&since=72h][&form=full][&top=50][&sort=cum]}: what the
 * merge holds, as JSON (see {@link Summary#json}); 404 while nothing is stored. Computed on the
 * merge thread and cached with the merge.
 */
@Sharable
final class SummaryHandler extends EndpointHandler {
    static final int DEFAULT_TOP = 50, MAX_TOP = 10_000;
    private final MergeService merges;
    private final int retryAfterSeconds;
    private final ExcludedFunctions collectorExcludes;

    SummaryHandler(MergeService merges, int retryAfterSeconds, ExcludedFunctions collectorExcludes) {
        super(Endpoint.SUMMARY);
        this.collectorExcludes = collectorExcludes;
        this.merges = merges;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    protected void handle(ChannelHandlerContext ctx, RoutedRequest req) {
        boolean keepAlive = req.keepAlive();
        ViewParams params;
        int top;
        boolean byCum;
        try {
            params = ViewParams.of(req, collectorExcludes);
            top = ViewParams.intParam(req, "top", DEFAULT_TOP, 1, MAX_TOP);
            String sort = ViewParams.param(req, "sort", "flat");
            if (!sort.equals("flat") && !sort.equals("cum")) {
                throw new IllegalArgumentException("invalid sort=" + sort + ": expected flat or cum");
            }
            byCum = sort.equals("cum");
        } catch (IllegalArgumentException e) {
            Responses.send(ctx, keepAlive, Responses.text(HttpResponseStatus.BAD_REQUEST, e.getMessage()));
            return;
        }
        CompletableFuture<Summary> summary;
        try {
            summary = merges.summary(params.profileForm(), params.sinceMillis());
        } catch (RejectedExecutionException e) {
            Responses.fail(ctx, keepAlive, e, retryAfterSeconds);
            return;
        }
        summary.whenComplete((s, error) -> {
            if (error != null) {
                Responses.fail(ctx, keepAlive, error, retryAfterSeconds);
            } else if (s == null) {
                Responses.send(ctx, keepAlive, Responses.text(HttpResponseStatus.NOT_FOUND, "no profiles stored yet"));
            } else {
                Responses.send(ctx, keepAlive, JsonResponses.ok(s.json(params.service(), params.form(), top, byCum)));
            }
        });
    }
}
