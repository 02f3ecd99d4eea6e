package dev.pgofleet.store;

import java.io.IOException;

/** The store cannot be opened; the message is one line for the operator, naming the directory and the fix. */
public final class StoreOpenException extends IOException {
    private static final long serialVersionUID = 1L;

    public StoreOpenException(String message) {
        super(message);
    }

    public StoreOpenException(String message, Throwable cause) {
        super(message, cause);
    }
}
