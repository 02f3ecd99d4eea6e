package dev.pgofleet.store;

/** A submit would create a service past PGOF_MAX_SERVICES; the message is the client's one-line reason. */
public final class ServiceLimitException extends Exception {
    private static final long serialVersionUID = 1L;

    public ServiceLimitException(String reason) {
        super(reason, null, false, false);
    }
}
