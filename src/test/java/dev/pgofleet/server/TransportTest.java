package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgofleet.config.ConfigException;
import dev.pgofleet.config.NetworkTransport;
import dev.pgofleet.testing.NativeEpoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import org.junit.jupiter.api.Test;

/** How PGOF_TRANSPORT picks the event loops' transport, where epoll loads and where it does not. */
class TransportTest {
    private static final UnsatisfiedLinkError NO_EPOLL =
            new UnsatisfiedLinkError("could not load netty_transport_native_epoll_x86_64");

    @Test
    void nioIsUsedWithoutAskingForEpoll() throws Exception {
        Transport t = Transport.of(NetworkTransport.NIO, () -> {
            throw new AssertionError("epoll was looked up");
        });
        assertThat(t.kind()).isEqualTo(NetworkTransport.NIO);
        assertThat(t.serverChannel()).isEqualTo(NioServerSocketChannel.class);
    }

    @Test
    void autoFallsBackToNioWhereEpollDoesNotLoad() throws Exception {
        Transport t = Transport.of(NetworkTransport.AUTO, () -> NO_EPOLL);
        assertThat(t.kind()).isEqualTo(NetworkTransport.NIO);
        assertThat(t.serverChannel()).isEqualTo(NioServerSocketChannel.class);
    }

    @Test
    void epollWhereItDoesNotLoadStopsTheStartNamingTheVariable() {
        assertThatThrownBy(() -> Transport.of(NetworkTransport.EPOLL, () -> new IllegalStateException("wrapped", NO_EPOLL)))
                .isInstanceOf(ConfigException.class)
                .hasMessage("PGOF_TRANSPORT=epoll is invalid: the native epoll transport does not load here"
                        + " (could not load netty_transport_native_epoll_x86_64); use auto or nio");
    }

    @Test
    void autoAndEpollUseEpollWhereItLoads() throws Exception {
        NativeEpoll.assumeLoads();
        for (NetworkTransport setting : new NetworkTransport[] {NetworkTransport.AUTO, NetworkTransport.EPOLL}) {
            Transport t = Transport.of(setting);
            assertThat(t.kind()).isEqualTo(NetworkTransport.EPOLL);
            assertThat(t.serverChannel()).isEqualTo(EpollServerSocketChannel.class);
        }
    }
}
