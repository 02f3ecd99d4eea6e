package dev.pgofleet.cli;

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
        string(b, key);
        b.append(':');
        if (value == null) {
            b.append("null");
        } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long) {
            b.append(value);
        } else if (value instanceof Double d && Double.isFinite(d)) {
            b.append(d);
        } else {
            string(b, value.toString());
        }
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) && !validSurrogate(s, i)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
