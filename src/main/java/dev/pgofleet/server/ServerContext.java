package dev.pgofleet.server;

import dev.pgofleet.config.CollectorConfig;

/** What every connection's pipeline shares: settings, keys, the byte budget and the endpoint handlers. */
record ServerContext(CollectorConfig config, AuthKeys keys, InFlightBudget inFlight,
                     SubmitHandler submitHandler, MergeHandler mergeHandler, ReadyHandler readyHandler,
                     MetricsHandler metricsHandler, SummaryHandler summaryHandler, FlameGraphHandler flameGraphHandler,
                     UiHandler uiHandler, CollectorMetrics metrics) {}
