package dev.pgofleet.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Queue;

/**
 * One request at a time per connection. Work is answered asynchronously, so a pipelined request
 * must wait until the one before it has been answered, or answers could leave out of order. While
 * a request is being worked on, reading stops and whatever the codec already decoded of the next
 * request waits here (at most one read's worth); it is replayed once the answer is written.
 */
final class PipeliningHandler extends ChannelInboundHandlerAdapter {
    private enum State { IDLE, RECEIVING, WORKING }

    private static final AttributeKey<Boolean> WORKING = AttributeKey.valueOf("pgof.working");

    /** Whether a request on this connection is being worked on (a long merge is not an idle connection). */
    static boolean isWorking(Channel ch) {
        return Boolean.TRUE.equals(ch.attr(WORKING).get());
    }

    private final Queue<Object> waiting = new ArrayDeque<>();
    private State state = State.IDLE;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.WORKING || !waiting.isEmpty()) {
            waiting.add(msg);
            return;
        }
        dispatch(ctx, msg);
    }

    private void dispatch(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            state = State.RECEIVING;
        }
        if (msg instanceof LastHttpContent && state == State.RECEIVING) {
            state = State.WORKING;
            ctx.channel().attr(WORKING).set(true);
            ctx.channel().config().setAutoRead(false);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        // The stages after this one see the answer before the next request is let through.
        super.userEventTriggered(ctx, evt);
        if (evt instanceof Answered a && a.written() && ctx.channel().isActive()) {
            answered(ctx);
        }
    }

    private void answered(ChannelHandlerContext ctx) {
        state = State.IDLE;
        ctx.channel().attr(WORKING).set(false);
        while (state != State.WORKING && !waiting.isEmpty()) {
            dispatch(ctx, waiting.poll());
        }
        if (state != State.WORKING) {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        Object m;
        while ((m = waiting.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
        super.channelInactive(ctx);
    }
}
