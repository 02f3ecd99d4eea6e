package dev.pgofleet.config;

import java.net.InetSocketAddress;

/** {@code host:port}, {@code :port} (all interfaces) or {@code [v6]:port}, as Go's net.Listen takes them. */
public record BindAddress(String host, int port) {
    public static BindAddress parse(String text) {
        String s = text.trim();
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("expected host:port, :port or [v6]:port");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("an IPv6 address must be written in brackets, as [::1]:8080");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port '" + s.substring(colon + 1) + "' is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range");
        }
        return new BindAddress(host, port);
    }

    public InetSocketAddress toSocketAddress() {
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
