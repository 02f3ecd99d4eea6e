package dev.pgofleet.store;

import java.io.IOException;

/** The store could not make a profile durable (disk full, read-only, I/O error). Nothing was kept. */
public final class StorageException extends IOException {
    private static final long serialVersionUID = 1L;

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
