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

    KeyRing forEndpoint(Endpoint e) {
        return e == Endpoint.SUBMIT ? submit : merge;
    }
}
