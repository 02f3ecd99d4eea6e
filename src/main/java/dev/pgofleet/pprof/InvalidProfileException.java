package dev.pgofleet.pprof;

/**
 * The one error a bad profile produces: its message is short and meant for a person
 * ("sample 17 has 1 value, profile has 2 sample types"), so it is safe to show to a client.
 */
public final class InvalidProfileException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidProfileException(String message) {
        super(message, null, false, false);
    }
}
