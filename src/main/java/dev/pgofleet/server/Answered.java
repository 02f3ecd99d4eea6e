package dev.pgofleet.server;

/**
 * Fired through the pipeline, from its head, once the final (not 1xx) response to a request has
 * been written: {@code written} is false when the write failed. The one place that decides "the
 * request is answered" is {@link AnswerWatcher}; the stages that act on it listen for this event.
 *
 * @param reason the first line of a 4xx or 5xx body (the reason the client reads), else null
 */
record Answered(int status, long bytesOut, String reason, boolean written) {}
