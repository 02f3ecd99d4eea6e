package dev.pgofleet.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection after a final answer without losing that answer. Closing a socket with
 * unread request bytes makes the kernel send a reset, which can destroy the answer before the
 * client reads it (a client still sending a large body with a wrong key would see "connection
 * reset" instead of 401). So: send FIN, discard whatever still arrives, and close when the client
 * closes or after a short grace period, as nginx's lingering_close does.
 */
final class LingeringClose extends ChannelInboundHandlerAdapter {
    private static final long GRACE_MILLIS = 2000;

    static void closeAfterAnswer(Channel ch) {
        if (!(ch instanceof SocketChannel sc) || !ch.isActive()) {
            ch.close();
            return;
        }
        if (ch.pipeline().get(LingeringClose.class) != null) {
            return;
        }
        ch.pipeline().addFirst("lingering-close", new LingeringClose());
        sc.shutdownOutput().addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
            }
        });
        ch.config().setAutoRead(true);
        ch.read();
        ch.eventLoop().schedule(() -> {
            ch.close();
        }, GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg); // the rest of a request nobody will answer
    }
}
