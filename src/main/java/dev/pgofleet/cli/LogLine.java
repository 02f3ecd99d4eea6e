package dev.pgofleet.cli;

import dev.pgofleet.report.Json;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * The two log line layouts every command shares: text (as logback.xml's pattern) and one JSON
 * object per line. The collector's logback encoder and the agent's own lines both come from here.
 */
public final class LogLine {
    private static final DateTimeFormatter TEXT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
            .withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter JSON_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
            .withZone(ZoneOffset.UTC);

    private LogLine() {}

    /** {@code 2026-12-02T01:02:03.456+01:00 INFO  [thread] logger message}, without the line end. */
    public static String text(Instant time, String level, String thread, String logger, String message) {
        return TEXT_TIME.format(time) + " " + String.format("%-5s", level) + " [" + thread + "] " + logger + " " + message;
    }

    /**
     * One JSON object: {@code timestamp} (ISO-8601, UTC, milliseconds), {@code level}, {@code logger},
     * {@code thread}, {@code message}, then each field (numbers and booleans as JSON values), then
     * {@code exception} when given. Without the line end.
     */
    public static String json(Instant time, String level, String thread, String logger, String message,
                              Map<String, ?> fields, String exception) {
        StringBuilder b = new StringBuilder(256);
        b.append("{\"timestamp\":\"").append(JSON_TIME.format(time)).append('"');
        member(b, "level", level);
        member(b, "logger", logger);
        member(b, "thread", thread);
        member(b, "message", message);
        fields.forEach((k, v) -> member(b, k, v));
        if (exception != null) {
            member(b, "exception", exception);
        }
        return b.append('}').toString();
    }

    private static void member(StringBuilder b, String key, Object value) {
        b.append(',');
        Json.string(key, b);
        b.append(':');
        if (value == null) {
            b.append("null");
        } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long) {
            b.append(value);
        } else if (value instanceof Double d && Double.isFinite(d)) {
            b.append(d);
        } else {
            Json.string(value.toString(), b);
        }
    }

}
