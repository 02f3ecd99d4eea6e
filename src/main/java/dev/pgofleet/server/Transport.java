package dev.pgofleet.server;

import dev.pgofleet.config.CollectorConfig;
import dev.pgofleet.config.ConfigException;
import dev.pgofleet.config.NetworkTransport;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.Errors;
import java.net.BindException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty transport of the server's event loops. Native epoll takes 3-5% less CPU per submit
 * than NIO under a sustained load (bench/README.md); NIO runs wherever Java does.
 */
record Transport(NetworkTransport kind, IoHandlerFactory handlers, Class<? extends ServerChannel> serverChannel) {
    private static final Logger log = LoggerFactory.getLogger(Transport.class);

    /** The transport {@code setting} asks for; {@code epollUnavailable} gives why epoll cannot load, or null. */
    static Transport of(NetworkTransport setting, Supplier<Throwable> epollUnavailable) throws ConfigException {
        if (setting == NetworkTransport.NIO) {
            return nio();
        }
        Throwable cause = epollUnavailable.get();
        if (cause == null) {
            // Built only here: Netty's epoll classes load their native library as they initialize.
            return new Transport(NetworkTransport.EPOLL, EpollIoHandler.newFactory(), EpollServerSocketChannel.class);
        }
        if (setting == NetworkTransport.EPOLL) {
            throw new ConfigException(CollectorConfig.TRANSPORT + "=epoll is invalid: the native epoll transport does not load here ("
                    + reason(cause) + "); use auto or nio");
        }
        log.info("native epoll transport unavailable ({}): using NIO", reason(cause));
        return nio();
    }

    private static Transport nio() {
        return new Transport(NetworkTransport.NIO, NioIoHandler.newFactory(), NioServerSocketChannel.class);
    }

    /** As above, with Netty's own check of whether epoll loads here. */
    static Transport of(NetworkTransport setting) throws ConfigException {
        return of(setting, () -> Epoll.isAvailable() ? null : Epoll.unavailabilityCause());
    }

    /**
     * Throws a failed bind as NIO reports it, a BindException: native epoll throws a plain
     * IOException ("bind(..) failed with error(-98): Address already in use"), which would read
     * as a storage error. Anything else is left to the caller.
     */
    static void throwIfBindFailure(Exception e) throws BindException {
        if (e instanceof Errors.NativeIoException && String.valueOf(e.getMessage()).startsWith("bind(")) {
            BindException b = new BindException(e.getMessage().replaceFirst("^bind\\(\\.\\.\\) failed[^:]*:\\s*", ""));
            b.initCause(e);
            throw b;
        }
    }

    private static String reason(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : "no reason given";
    }
}
