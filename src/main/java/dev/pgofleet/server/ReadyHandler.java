package dev.pgofleet.server;

import dev.pgofleet.store.ProfileStore;
import dev.pgofleet.store.StorageException;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /readyz}: 200 while a profile could be stored now, 503 with the reason while the store is
 * not writable (disk full, read-only, gone). The check writes a probe file on the store's I/O threads.
 */
@Sharable
final class ReadyHandler extends EndpointHandler {
    private static final Logger log = LoggerFactory.getLogger(ReadyHandler.class);
    private final ProfileStore store;

    ReadyHandler(ProfileStore store) {
        super(Endpoint.READY);
        this.store = store;
    }

    @Override
    protected void handle(ChannelHandlerContext ctx, RoutedRequest req) {
        boolean keepAlive = req.keepAlive();
        try {
            store.checkWritable().whenComplete((ok, error) -> Responses.send(ctx, keepAlive, error == null
                    ? Responses.text(HttpResponseStatus.OK, "ready")
                    : Responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready: " + why(error))));
        } catch (RejectedExecutionException e) {
            Responses.send(ctx, keepAlive, Responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready: store busy"));
        }
    }

    private static String why(Throwable error) {
        Throwable e = Outcome.cause(error);
        if (e instanceof StorageException) {
            return "store not writable: " + Responses.oneLine(String.valueOf(e.getMessage()));
        }
        log.error("readiness check failed", e);
        return "readiness check failed";
    }
}
