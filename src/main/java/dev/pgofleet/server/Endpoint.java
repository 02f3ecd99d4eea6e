package dev.pgofleet.server;

/** The collector's endpoints; the path and method rules live in {@link RouteHandler}. */
enum Endpoint {
    SUBMIT("/v1/submit"),
    MERGE("/v1/merge"),
    HEALTH("/healthz"),
    READY("/readyz"),
    METRICS("/metrics");

    final String path;

    Endpoint(String path) {
        this.path = path;
    }
}
