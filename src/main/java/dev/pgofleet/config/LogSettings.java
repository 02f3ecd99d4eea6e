package dev.pgofleet.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code PGOF_LOG_LEVEL} and {@code PGOF_LOG_FORMAT}, read by every command that logs. Checked
 * before logging starts, since a value logback does not know would silence every line, the
 * message saying why included.
 */
public record LogSettings(String level, String format) {
    public static final String LEVEL = "PGOF_LOG_LEVEL";
    public static final String FORMAT = "PGOF_LOG_FORMAT";
    private static final List<String> LEVELS = List.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE");
    private static final List<String> FORMATS = List.of("text", "json");

    public static final LogSettings DEFAULT = new LogSettings("INFO", "text");

    public boolean json() {
        return format.equals("json");
    }

    public static LogSettings fromEnv(Map<String, String> env) throws ConfigException {
        return new LogSettings(
                pick(env, LEVEL, "INFO", LEVELS, true),
                pick(env, FORMAT, "text", FORMATS, false));
    }

    private static String pick(Map<String, String> env, String name, String dflt, List<String> allowed, boolean upper)
            throws ConfigException {
        String raw = env.get(name);
        if (raw == null || raw.isBlank()) {
            return dflt;
        }
        String v = upper ? raw.trim().toUpperCase(Locale.ROOT) : raw.trim().toLowerCase(Locale.ROOT);
        if (v.equals("WARNING")) {
            v = "WARN"; // as many other programs spell it
        }
        if (!allowed.contains(v)) {
            throw new ConfigException(name + "=" + raw.trim() + " is invalid: expected one of "
                    + String.join(", ", allowed) + " (any case)");
        }
        return v;
    }
}
