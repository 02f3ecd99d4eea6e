package dev.pgofleet.config;

/** A setting that cannot be used; the message names the variable and the bad value. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message, null, false, false);
    }
}
