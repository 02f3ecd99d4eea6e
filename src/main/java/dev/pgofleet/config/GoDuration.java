package dev.pgofleet.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;

/**
 * Durations written as Go's {@code time.ParseDuration} reads them ("90s", "1.5s", "1h30m", "250ms",
 * "-2m"), since our users are Go teams, plus {@code d} for days. Fractions are exact to the nanosecond.
 */
public final class GoDuration {
    /** What a message says is expected, after naming the setting. */
    public static final String EXPECTED = "expected a duration such as 90s, 1.5s, 5m, 1h30m or 30d (units ns, us, ms, s, m, h, d)";
    private static final BigInteger MAX_NANOS = BigInteger.valueOf(Long.MAX_VALUE);

    private GoDuration() {}

    /** @throws IllegalArgumentException with a plain message saying what is expected */
    public static Duration parse(String text) {
        String s = text.trim();
        boolean negative = false;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException(EXPECTED);
        }
        BigDecimal nanos = BigDecimal.ZERO;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) && s.charAt(i) < 128 || s.charAt(i) == '.')) {
                i++;
            }
            String number = s.substring(start, i);
            if (number.isEmpty() || number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')) {
                throw new IllegalArgumentException(EXPECTED);
            }
            int unitStart = i;
            while (i < s.length() && !(Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            long unit = unitNanos(s.substring(unitStart, i));
            nanos = nanos.add(new BigDecimal(number).multiply(BigDecimal.valueOf(unit)));
        }
        BigInteger whole = nanos.toBigInteger(); // Go truncates the fraction of a nanosecond
        if (whole.compareTo(MAX_NANOS) > 0) {
            throw new IllegalArgumentException("too long: at most 2562047h (about 292 years)");
        }
        long n = whole.longValueExact();
        return Duration.ofNanos(negative ? -n : n);
    }

    private static long unitNanos(String unit) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us", "\u00b5s", "\u03bcs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            case "d" -> 86_400_000_000_000L;
            default -> throw new IllegalArgumentException(unit.isEmpty() ? "missing unit: " + EXPECTED : EXPECTED);
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
