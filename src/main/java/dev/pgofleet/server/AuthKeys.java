package dev.pgofleet.server;

import dev.pgofleet.config.KeyRing;

/** The current submit and merge keys; swapped whole when the key files are reloaded. */
public final class AuthKeys {
    private volatile KeyRing submit;
    private volatile KeyRing merge;

    public AuthKeys(KeyRing submit, KeyRing merge) {
        this.submit = submit;
        this.merge = merge;
    }

    public void replace(KeyRing submit, KeyRing merge) {
        this.submit = submit;
        this.merge = merge;
    }

    /** The keys that grant {@code key}; not called for {@link Endpoint.Key#NONE}. */
    KeyRing ring(Endpoint.Key key) {
        return key == Endpoint.Key.SUBMIT ? submit : merge;
    }
}
