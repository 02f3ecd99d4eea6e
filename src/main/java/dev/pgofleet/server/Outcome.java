package dev.pgofleet.server;

import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.store.ServiceLimitException;
import dev.pgofleet.store.StorageException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.event.Level;

/**
 * How a request ended, the one classification behind its status, the {@code outcome} label of
 * {@code pgof_submits_total}, how loudly it is logged and whether the client may retry (503 with
 * {@code Retry-After}: nothing was stored).
 */
enum Outcome {
    ACCEPTED(HttpResponseStatus.NO_CONTENT, "accepted", Level.DEBUG, false),
    INVALID(HttpResponseStatus.BAD_REQUEST, "invalid", Level.INFO, false),
    UNAUTHORIZED(HttpResponseStatus.UNAUTHORIZED, "unauthorized", Level.INFO, false),
    /** A valid key used for a service outside its scope. */
    FORBIDDEN(HttpResponseStatus.FORBIDDEN, "forbidden", Level.INFO, false),
    TOO_LARGE(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", Level.INFO, false),
    /** A submit that would create one service more than PGOF_MAX_SERVICES. */
    TOO_MANY_SERVICES(HttpResponseStatus.FORBIDDEN, "too_many_services", Level.WARN, false),
    SHED(HttpResponseStatus.SERVICE_UNAVAILABLE, "shed", Level.INFO, true),
    STORAGE_ERROR(HttpResponseStatus.SERVICE_UNAVAILABLE, "storage_error", Level.ERROR, true),
    /** Our own bug: logged with its stack trace, the client only reads "internal error". */
    INTERNAL_ERROR(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal_error", Level.ERROR, false);

    final HttpResponseStatus status;
    final String metricLabel;
    final Level logLevel;
    final boolean retryable;

    Outcome(HttpResponseStatus status, String metricLabel, Level logLevel, boolean retryable) {
        this.status = status;
        this.metricLabel = metricLabel;
        this.logLevel = logLevel;
        this.retryable = retryable;
    }

    /** The outcome of work that failed with {@code error} (a CompletionException is looked through). */
    static Outcome of(Throwable error) {
        Throwable e = cause(error);
        if (e instanceof InvalidProfileException) {
            return INVALID;
        }
        if (e instanceof RejectedExecutionException) {
            return SHED;
        }
        if (e instanceof ServiceLimitException) {
            return TOO_MANY_SERVICES;
        }
        return e instanceof StorageException ? STORAGE_ERROR : INTERNAL_ERROR;
    }

    static Throwable cause(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    /** The answer: a one-line reason, and Retry-After when the client may try again. */
    FullHttpResponse response(String reason, int retryAfterSeconds) {
        FullHttpResponse r = Responses.text(status, reason);
        if (retryable) {
            r.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
        }
        return r;
    }
}
