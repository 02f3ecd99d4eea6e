package dev.pgofleet.config;

import java.util.Locale;

/** Which Netty transport the server runs on ({@code PGOF_TRANSPORT}). */
public enum NetworkTransport {
    /** Linux's native epoll where Netty's library for it loads, the JDK's NIO elsewhere. */
    AUTO,
    /** Native epoll, or no start. */
    EPOLL,
    /** The JDK's NIO, everywhere. */
    NIO;

    static NetworkTransport parse(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "epoll" -> EPOLL;
            case "nio" -> NIO;
            default -> throw new IllegalArgumentException("expected auto, epoll or nio");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
