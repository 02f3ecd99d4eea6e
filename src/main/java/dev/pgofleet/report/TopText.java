package dev.pgofleet.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The top table as {@code go tool pprof -top} prints it: the same node cut (cum below 0.5% of the
 * total), count, unit choice, number and percentage formats and columns. pprof's
 * {@code (inline)} marks are not printed.
 */
public final class TopText {
    private static final double NODE_FRACTION = 0.005;
    private static final String[] UNITS = {"ns", "us", "ms", "s", "hrs"};
    private static final double[] FACTORS = {1, 1e3, 1e6, 1e9, 3600e9};

    private TopText() {}

    /** The report for the first {@code n} functions (all when {@code n <= 0}), sorted by flat or by cum. */
    public static String format(TopFunctions top, int n, boolean byCum) {
        long total = top.total();
        long cutoff = Math.abs((long) (total * NODE_FRACTION));
        List<TopFunctions.Entry> kept = new ArrayList<>();
        for (TopFunctions.Entry e : top.top(0, byCum)) {
            if (cutoff <= 0 || Math.abs(e.cum()) >= cutoff) {
                kept.add(e);
            }
        }
        int dropped = top.size() - kept.size();
        List<TopFunctions.Entry> shown = n > 0 && n < kept.size() ? kept.subList(0, n) : kept;
        String unit = unit(shown, total);
        long flatSum = shown.stream().mapToLong(TopFunctions.Entry::flat).sum();
        StringBuilder out = new StringBuilder();
        out.append("Showing nodes accounting for ").append(value(flatSum, unit)).append(", ")
                .append(percentage(flatSum, total).trim()).append(" of ").append(value(total, unit)).append(" total\n");
        if (total != 0 && dropped > 0) {
            out.append("Dropped ").append(dropped).append(dropped > 1 ? " nodes" : " node").append(" (cum <= ")
                    .append(value(cutoff, unit)).append(")\n");
        }
        if (total != 0 && n > 0 && n < kept.size()) {
            out.append("Showing top ").append(n).append(" nodes out of ").append(kept.size()).append('\n');
        }
        out.append(String.format(Locale.ROOT, "%10s %5s%% %5s%% %10s %5s%%%n", "flat", "flat", "sum", "cum", "cum"));
        long sum = 0;
        java.util.Map<String, String> marks = top.inlineMarks(shown);
        for (TopFunctions.Entry e : shown) {
            sum += e.flat();
            String mark = marks.get(e.name());
            out.append(String.format(Locale.ROOT, "%10s %s %s %10s %s  %s%s%n", value(e.flat(), unit), percentage(e.flat(), total),
                    percentage(sum, total), value(e.cum(), unit), percentage(e.cum(), total), e.name(), mark == null ? "" : " " + mark));
        }
        return out.toString();
    }

    /** pprof's selectOutputUnit: the unit of the smallest shown value, or of 100 times it when the total's unit is larger. */
    static String unit(List<TopFunctions.Entry> shown, long total) {
        long min = 0;
        for (TopFunctions.Entry e : shown) {
            long v = Math.abs(e.flat()) != 0 ? Math.abs(e.flat()) : Math.abs(e.cum());
            if (v > 0 && (min == 0 || v < min)) {
                min = v;
            }
        }
        long max = total;
        if (min == 0) {
            min = max;
        }
        String minUnit = autoUnit(min), maxUnit = autoUnit(max);
        if (!minUnit.equals(maxUnit) && min * 100 < max) {
            return autoUnit(100 * min);
        }
        return minUnit;
    }

    private static String autoUnit(long nanos) {
        double v = Math.abs((double) nanos);
        String unit = null;
        for (int i = 0; i < UNITS.length; i++) {
            if (v / FACTORS[i] >= 1.0) {
                unit = UNITS[i];
            }
        }
        return unit == null ? "s" : unit;
    }

    /** pprof's ScaledLabel in a fixed unit: two decimals, ".00" dropped, "0" for zero. */
    static String value(long nanos, String unit) {
        double f = 1;
        for (int i = 0; i < UNITS.length; i++) {
            if (UNITS[i].equals(unit)) {
                f = FACTORS[i];
            }
        }
        String s = String.format(Locale.ROOT, "%.2f", nanos / f);
        if (s.endsWith(".00")) {
            s = s.substring(0, s.length() - 3);
        }
        return s.equals("0") || s.equals("-0") ? "0" : s + unit;
    }

    /** pprof's Percentage: "  100%", "%5.2f%%" from 1%, Go's "%5.2g%%" below. */
    static String percentage(long value, long total) {
        double ratio = total == 0 ? 0 : Math.abs((double) value / total) * 100;
        if (ratio >= 99.95 && ratio <= 100.05) {
            return "  100%";
        }
        if (ratio >= 1.0) {
            return String.format(Locale.ROOT, "%5.2f%%", ratio);
        }
        return String.format(Locale.ROOT, "%5s%%", goG2(ratio));
    }

    /** Go's {@code %.2g}: two significant digits, trailing zeros removed, exponent form below 1e-4. */
    static String goG2(double d) {
        if (d == 0) {
            return "0";
        }
        BigDecimal r = new BigDecimal(d).round(new MathContext(2));
        int exp = r.precision() - r.scale() - 1;
        if (exp < -4 || exp >= 2) {
            String mantissa = r.movePointLeft(exp).stripTrailingZeros().toPlainString();
            return mantissa + (exp < 0 ? "e-" : "e+") + String.format(Locale.ROOT, "%02d", Math.abs(exp));
        }
        return r.stripTrailingZeros().toPlainString();
    }
}
