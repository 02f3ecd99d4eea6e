package dev.pgofleet.server;

import dev.pgofleet.report.Json;
import dev.pgofleet.store.ServiceFigures;
import dev.pgofleet.store.Services;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code GET /v1/services}: the services the request's key may see, sorted by name, as a JSON
 * array of {@code {"name", "profiles", "bytes", "first_received", "last_received", "waiting"}}
 * ({@link ServiceFigures}; times in RFC 3339 UTC, null while nothing dated is stored). The stores
 * are listed off the event loop.
 */
@Sharable
final class ServicesHandler extends EndpointHandler {
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private final Services services;
    private final Executor executor;
    private final int retryAfterSeconds;

    ServicesHandler(Services services, Executor executor, int retryAfterSeconds) {
        super(Endpoint.SERVICES);
        this.services = services;
        this.executor = executor;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    protected void handle(ChannelHandlerContext ctx, RoutedRequest req) {
        boolean keepAlive = req.keepAlive();
        var scope = req.scope();
        try {
            CompletableFuture.supplyAsync(() -> {
                StringBuilder out = new StringBuilder("[");
                for (Services.Service s : services.all()) {
                    if (scope.allows(s.name())) {
                        if (out.length() > 1) {
                            out.append(',');
                        }
                        json(ServiceFigures.of(s.name(), s.store()), out);
                    }
                }
                return out.append(']').toString();
            }, executor).whenComplete((body, error) -> {
                if (error != null) {
                    Responses.fail(ctx, keepAlive, error, retryAfterSeconds);
                } else {
                    Responses.send(ctx, keepAlive, JsonResponses.ok(body));
                }
            });
        } catch (RejectedExecutionException e) {
            Responses.fail(ctx, keepAlive, e, retryAfterSeconds);
        }
    }

    static void json(ServiceFigures f, StringBuilder out) {
        out.append("{\"name\":");
        Json.string(f.name(), out);
        out.append(",\"profiles\":").append(f.profiles()).append(",\"bytes\":").append(f.bytes())
                .append(",\"first_received\":").append(time(f.firstReceivedMillis()))
                .append(",\"last_received\":").append(time(f.lastReceivedMillis()))
                .append(",\"waiting\":").append(f.waiting()).append('}');
    }

    private static String time(long millis) {
        return millis < 0 ? "null" : "\"" + RFC3339.format(Instant.ofEpochMilli(millis)) + "\"";
    }
}
