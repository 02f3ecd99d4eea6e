package dev.pgofleet.server;

import dev.pgofleet.config.ServiceName;
import dev.pgofleet.config.ServiceScope;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;

/**
 * Where the request being received on a connection goes, decided once from its head by
 * {@link RouteHandler} and read by the stages after it (key check, body limits, dispatch).
 * Requests on a connection are handled one at a time, so one slot per connection is enough.
 */
record Route(Endpoint endpoint, QueryStringDecoder query, ServiceScope scope) {
    private static final AttributeKey<Route> KEY = AttributeKey.valueOf("pgof.route");

    /** A route before any key was checked: the scope is the key's, set by {@link AuthHandler}. */
    Route(Endpoint endpoint, QueryStringDecoder query) {
        this(endpoint, query, ServiceScope.ALL);
    }

    /** The service the request names ({@code ?service=}), as given; {@link ServiceName#DEFAULT} when none. */
    String service() {
        var v = query.parameters().get("service");
        return v == null || v.isEmpty() ? ServiceName.DEFAULT : v.get(0);
    }

    Route withScope(ServiceScope s) {
        return new Route(endpoint, query, s);
    }

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
