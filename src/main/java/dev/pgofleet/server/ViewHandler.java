package dev.pgofleet.server;

import dev.pgofleet.pprof.ExcludedFunctions;
import dev.pgofleet.report.Summary;
import dev.pgofleet.store.MergeService;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * Base of the merge's JSON views (summary, flame graph): the parameters a merge takes plus the
 * view's own ({@code A}), a 400 for a bad one, the summary of the merge in that form (shared and
 * cached with the merge) of the service asked for, rendered on its merge thread, never on an event
 * loop; 404 while nothing is stored (or the service was never stored).
 */
abstract class ViewHandler<A> extends EndpointHandler {
    /** Each service's merges; null for a service that does not exist. */
    private final Function<String, MergeService> merges;
    private final int retryAfterSeconds;
    private final ExcludedFunctions collectorExcludes;

    ViewHandler(Endpoint endpoint, Function<String, MergeService> merges, int retryAfterSeconds, ExcludedFunctions collectorExcludes) {
        super(endpoint);
        this.merges = merges;
        this.retryAfterSeconds = retryAfterSeconds;
        this.collectorExcludes = collectorExcludes;
    }

    /** The view's own parameters; an IllegalArgumentException names the bad one (400). */
    abstract A arguments(RoutedRequest req);

    /** The JSON answer; runs on the merge thread. */
    abstract String render(Summary s, ViewParams params, A arguments);

    @Override
    protected final void handle(ChannelHandlerContext ctx, RoutedRequest req) {
        boolean keepAlive = req.keepAlive();
        ViewParams params;
        A arguments;
        try {
            params = ViewParams.of(req, collectorExcludes);
            arguments = arguments(req);
        } catch (IllegalArgumentException e) {
            Responses.send(ctx, keepAlive, Responses.text(HttpResponseStatus.BAD_REQUEST, Responses.oneLine(e.getMessage())));
            return;
        }
        CompletableFuture<String> json;
        MergeService merges = this.merges.apply(params.service());
        try {
            json = merges == null ? CompletableFuture.completedFuture(null) : merges.summary(params.profileForm(), params.sinceMillis()).thenCompose(s -> s == null
                    ? CompletableFuture.completedFuture(null) : merges.onMergeThread(() -> render(s, params, arguments)));
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
}
