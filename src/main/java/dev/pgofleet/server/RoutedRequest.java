package dev.pgofleet.server;

import dev.pgofleet.config.ServiceName;
import dev.pgofleet.config.ServiceScope;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCounted;
import java.util.List;

/** A whole request with the endpoint it is for and the services its key may use; reference counting is the request's. */
record RoutedRequest(Endpoint endpoint, FullHttpRequest request, QueryStringDecoder query, ServiceScope scope)
        implements ReferenceCounted {
    RoutedRequest(Endpoint endpoint, FullHttpRequest request, QueryStringDecoder query) {
        this(endpoint, request, query, ServiceScope.ALL);
    }

    /** The service the request names ({@code ?service=}); {@link ServiceName#DEFAULT} when none. */
    String service() {
        String s = param("service");
        return s == null ? ServiceName.DEFAULT : s;
    }
    boolean keepAlive() {
        return HttpUtil.isKeepAlive(request);
    }

    /** A query parameter's first value, or null. */
    String param(String name) {
        List<String> v = query.parameters().get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** A boolean query parameter: exactly "true" is true, anything else false (as the original Go collector). */
    boolean flag(String name) {
        return "true".equals(param(name));
    }

    @Override public int refCnt() { return request.refCnt(); }
    @Override public RoutedRequest retain() { request.retain(); return this; }
    @Override public RoutedRequest retain(int n) { request.retain(n); return this; }
    @Override public RoutedRequest touch() { request.touch(); return this; }
    @Override public RoutedRequest touch(Object hint) { request.touch(hint); return this; }
    @Override public boolean release() { return request.release(); }
    @Override public boolean release(int n) { return request.release(n); }
}
