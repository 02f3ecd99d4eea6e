package dev.pgofleet.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.timeout.WriteTimeoutHandler;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The collector's pipeline, every stage named, in order:
 * <pre>
 * idle → write-timeout → idle-close → deadline → http → answered → deadline-disarm → pipelining → access-log
 *      → protocol-errors → route → auth → body-limit → aggregate → dispatch
 *      → health | ready | metrics | submit | merge | summary | flamegraph | services | ui → errors
 * </pre>
 * Routing, authentication and the byte budget act on the request head, before the body is
 * buffered, in that order: only an authenticated request to an endpoint that takes a body holds
 * any of the byte budget.
 */
final class CollectorInitializer extends ChannelInitializer<SocketChannel> {
    private final ServerContext server;
    private final IdleCloseHandler idleClose = new IdleCloseHandler();
    private final HealthHandler health = new HealthHandler();
    private final ErrorHandler errors = new ErrorHandler();
    private final DispatchHandler dispatch = new DispatchHandler();
    private final Set<Endpoint> endpoints;

    CollectorInitializer(ServerContext server) {
        this.server = server;
        this.endpoints = EnumSet.allOf(Endpoint.class);
        if (!server.config().metricsEnabled()) {
            endpoints.remove(Endpoint.METRICS);
        }
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        server.connections().add(ch); // leaves the group when closed
        ChannelPipeline p = ch.pipeline();
        RequestDeadlineHandler deadline = new RequestDeadlineHandler(server.config().requestTimeout());
        p.addLast("idle", new IdleStateHandler(0, 0, server.config().idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        // An answer the client does not take within the request deadline closes the connection.
        p.addLast("write-timeout", new WriteTimeoutHandler(server.config().requestTimeout().toMillis(), TimeUnit.MILLISECONDS));
        p.addLast("idle-close", idleClose);
        p.addLast("deadline", deadline);
        p.addLast("http", new ServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(8192).setMaxHeaderSize(16384).setMaxChunkSize(64 * 1024)
                .setStrictLineParsing(true)));
        p.addLast("answered", new AnswerWatcher());
        p.addLast("deadline-disarm", new RequestDeadlineHandler.Disarm(deadline));
        p.addLast("pipelining", new PipeliningHandler());
        p.addLast("access-log", new AccessLogHandler());
        p.addLast("protocol-errors", new ProtocolErrorHandler());
        p.addLast("route", new RouteHandler(endpoints));
        p.addLast("auth", new AuthHandler(server.keys(), server.metrics()));
        p.addLast("body-limit", new BodyLimitHandler(server.inFlight(), server.config().maxBodyBytes(),
                server.config().retryAfterSeconds(), server.metrics()));
        p.addLast("aggregate", new HttpObjectAggregator((int) Math.min(Integer.MAX_VALUE, server.config().maxBodyBytes()), true));
        p.addLast("dispatch", dispatch);
        p.addLast("health", health);
        p.addLast("ready", server.readyHandler());
        p.addLast("metrics", server.metricsHandler());
        p.addLast("submit", server.submitHandler());
        p.addLast("merge", server.mergeHandler());
        p.addLast("summary", server.summaryHandler());
        p.addLast("flamegraph", server.flameGraphHandler());
        p.addLast("services", server.servicesHandler());
        p.addLast("ui", server.uiHandler());
        p.addLast("errors", errors);
    }
}
