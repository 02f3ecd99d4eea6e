package dev.pgofleet.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations written as Go writes them ("90s", "5m", "1h30m", "250ms"), since our users are Go teams. */
public final class GoDuration {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h|d)");

    private GoDuration() {}

    public static Duration parse(String text) {
        String s = text.trim();
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(s);
        int pos = 0;
        double nanos = 0;
        while (pos < s.length()) {
            if (!m.find(pos) || m.start() != pos) {
                throw new IllegalArgumentException("invalid duration '" + text + "' (expected e.g. 90s, 5m, 1h30m)");
            }
            nanos += Double.parseDouble(m.group(1)) * unitNanos(m.group(2));
            pos = m.end();
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("invalid duration '' (expected e.g. 90s, 5m, 1h30m)");
        }
        return Duration.ofNanos((long) nanos);
    }

    private static double unitNanos(String unit) {
        return switch (unit) {
            case "ns" -> 1;
            case "us", "µs" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            case "h" -> 3600e9;
            case "d" -> 86400e9;
            default -> throw new IllegalArgumentException(unit);
        };
    }

    /** Go-style text for logs and help ("1h30m0s" style is noisy; "1h30m" is enough). */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        long h = d.toHours(), m = d.toMinutesPart(), s = d.toSecondsPart(), ms = d.toMillisPart();
        if (h > 0) b.append(h).append('h');
        if (m > 0) b.append(m).append('m');
        if (s > 0) b.append(s).append('s');
        if (ms > 0) b.append(ms).append("ms");
        return b.length() == 0 ? d.toNanos() + "ns" : b.toString();
    }
}
