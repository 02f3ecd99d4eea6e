package dev.pgofleet.server;

/** The collector's endpoints; the path and method rules live in {@link RouteHandler}. */
enum Endpoint {
    SUBMIT("/v1/submit"),
    MERGE("/v1/merge"),
    HEALTH("/healthz"),
    READY("/readyz"),
    METRICS("/metrics"),
    SUMMARY("/v1/summary"),
    FLAMEGRAPH("/v1/flamegraph"),
    UI("/ui/");

    final String path;

    Endpoint(String path) {
        this.path = path;
    }
}
