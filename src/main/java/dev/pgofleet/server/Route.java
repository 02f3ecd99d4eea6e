package dev.pgofleet.server;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;

/**
 * Where the request being received on a connection goes, decided once from its head by
 * {@link RouteHandler} and read by the stages after it (key check, body limits, dispatch).
 * Requests on a connection are handled one at a time, so one slot per connection is enough.
 */
record Route(Endpoint endpoint, QueryStringDecoder query) {
    private static final AttributeKey<Route> KEY = AttributeKey.valueOf("pgof.route");

    /** The route of the current request, or null before one was routed. */
    static Route of(Channel ch) {
        return ch.attr(KEY).get();
    }

    void attachTo(Channel ch) {
        ch.attr(KEY).set(this);
    }

    static void clear(Channel ch) {
        ch.attr(KEY).set(null);
    }
}
