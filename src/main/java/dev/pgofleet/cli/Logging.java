package dev.pgofleet.cli;

import dev.pgofleet.config.ConfigException;
import dev.pgofleet.config.LogSettings;
import java.io.PrintWriter;
import java.util.Map;

/** Checks PGOF_LOG_LEVEL and PGOF_LOG_FORMAT and hands them to logback.xml, before the first logger is made. */
final class Logging {
    private Logging() {}

    /**
     * The checked settings, also set for logback; null after printing the one-line reason to
     * {@code err} when a value is bad (logging cannot report it: it is what is broken).
     */
    static LogSettings configure(Map<String, String> env, PrintWriter err) {
        LogSettings s;
        try {
            s = LogSettings.fromEnv(env);
        } catch (ConfigException e) {
            err.println("error: cannot start: " + e.getMessage());
            err.flush();
            return null;
        }
        System.setProperty("pgof.log.level", s.level());
        System.setProperty("pgof.log.format", s.format());
        return s;
    }
}
