package dev.pgofleet.server;

import io.netty.channel.group.ChannelGroup;
import dev.pgofleet.config.CollectorConfig;

/**
 * What every connection's pipeline shares: settings, keys, the byte budget, the endpoint handlers,
 * and the group of open connections (a graceful stop drains them).
 */
record ServerContext(CollectorConfig config, AuthKeys keys, InFlightBudget inFlight,
                     SubmitHandler submitHandler, MergeHandler mergeHandler, ReadyHandler readyHandler,
                     MetricsHandler metricsHandler, SummaryHandler summaryHandler, FlameGraphHandler flameGraphHandler,
                     ServicesHandler servicesHandler, UiHandler uiHandler, CollectorMetrics metrics, ChannelGroup connections) {}
