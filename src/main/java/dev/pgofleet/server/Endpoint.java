package dev.pgofleet.server;

import io.netty.handler.codec.http.HttpMethod;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The collector's routes, the one table that the router, the key check, the body limits and the
 * 404/405 answers read. Adding a route is one constant here plus the handler that serves it.
 */
enum Endpoint {
    SUBMIT("/v1/submit", Key.SUBMIT, true, HttpMethod.POST),
    MERGE("/v1/merge", Key.MERGE, false, HttpMethod.POST),
    // Any method, as the original Go collector answers /healthz; /readyz and /metrics follow it.
    HEALTH("/healthz", Key.NONE, false),
    READY("/readyz", Key.NONE, false),
    METRICS("/metrics", Key.NONE, false),
    // The merge's read-only views take a merge key; the web page's files hold no data.
    SUMMARY("/v1/summary", Key.MERGE, false, HttpMethod.GET),
    FLAMEGRAPH("/v1/flamegraph", Key.MERGE, false, HttpMethod.GET),
    /** The services stored, with their figures: what a merge key may see of the store. */
    SERVICES("/v1/services", Key.MERGE, false, HttpMethod.GET),
    UI("/ui/", Key.NONE, false, HttpMethod.GET);

    /** Which key a request needs. */
    enum Key { NONE, SUBMIT, MERGE }

    private static final Map<String, Endpoint> BY_PATH = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(e -> e.path, Function.identity()));

    final String path;
    final Key key;
    /** Whether a request may carry a body; elsewhere a body is refused before it is read. */
    final boolean takesBody;
    /** Allowed methods; empty means any. */
    final List<HttpMethod> methods;

    Endpoint(String path, Key key, boolean takesBody, HttpMethod... methods) {
        this.path = path;
        this.key = key;
        this.takesBody = takesBody;
        this.methods = List.of(methods);
    }

    /** The endpoint at a decoded path, or null; the web page serves the files under {@code /ui/}. */
    static Endpoint at(String path) {
        Endpoint e = BY_PATH.get(path);
        if (e == null && (path.equals("/ui") || path.startsWith(UI.path))) {
            return UI;
        }
        return e;
    }

    /**
     * Whether a request here works on the data of the one service it names ({@code ?service=NAME},
     * the default service when absent), so the name is checked and the key's scope must allow it.
     * A switch without default: a new endpoint must decide.
     */
    boolean namesService() {
        return switch (this) {
            case SUBMIT, MERGE, SUMMARY, FLAMEGRAPH -> true;
            case HEALTH, READY, METRICS, SERVICES, UI -> false;
        };
    }

    boolean allows(HttpMethod method) {
        return methods.isEmpty() || methods.contains(method);
    }

    /** The value of {@code Allow} for a 405. */
    String allowHeader() {
        return methods.stream().map(HttpMethod::name).collect(Collectors.joining(", "));
    }

    /** "POST /v1/submit" or "/healthz" (any method), for the 404 answer. */
    String describe() {
        return methods.isEmpty() ? path : allowHeader() + " " + path;
    }
}
