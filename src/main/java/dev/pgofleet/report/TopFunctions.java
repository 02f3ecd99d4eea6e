package dev.pgofleet.report;

import dev.pgofleet.pprof.MergedProfile;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The hottest functions of a merged profile, computed as {@code go tool pprof -top
 * -sample_index=cpu} does at its default (function) granularity: inlined frames count as their
 * own functions, {@code flat} is the leaf frame's value, {@code cum} counts a function once per
 * sample however often it recurs, and the order is google/pprof's (flat, then name, then cum; or
 * cum, then name, then flat).
 */
public final class TopFunctions {
    /** One function: CPU nanoseconds spent in it ({@code flat}) and in it or its callees ({@code cum}). */
    public record Entry(String name, long flat, long cum, Frame frame) {}

    private final List<Entry> byFlat;
    private final long total;

    private TopFunctions(List<Entry> byFlat, long total) {
        this.byFlat = byFlat;
        this.total = total;
    }

    public static TopFunctions of(MergedProfile p) {
        int cpu = Stacks.cpuIndex(p);
        Map<Frame, long[]> nodes = new HashMap<>();
        Set<Frame> seen = new HashSet<>();
        long total = 0;
        for (MergedProfile.Sample s : p.samples()) {
            long v = s.value(cpu);
            total += Math.abs(v);
            if (v == 0) {
                continue;
            }
            seen.clear();
            Frame leaf = null;
            for (Frame f : Stacks.rootToLeaf(s)) {
                long[] n = nodes.computeIfAbsent(f, k -> new long[2]);
                if (seen.add(f)) {
                    n[1] += v;
                }
                leaf = f;
            }
            if (leaf != null) {
                nodes.get(leaf)[0] += v;
            }
        }
        List<Entry> entries = new ArrayList<>(nodes.size());
        nodes.forEach((f, n) -> entries.add(new Entry(f.printable(), n[0], n[1], f)));
        entries.sort(FLAT_ORDER);
        return new TopFunctions(List.copyOf(entries), total);
    }

    /** google/pprof's FlatNameOrder. */
    static final Comparator<Entry> FLAT_ORDER = Comparator.<Entry>comparingLong(e -> -Math.abs(e.flat))
            .thenComparing(Entry::name, GoStrings.ORDER)
            .thenComparingLong(e -> -Math.abs(e.cum))
            .thenComparing(e -> e.frame.objfile() + "\u0000" + e.frame.startLine(), GoStrings.ORDER);

    /** google/pprof's CumNameOrder ({@code -cum}). */
    static final Comparator<Entry> CUM_ORDER = Comparator.<Entry>comparingLong(e -> -Math.abs(e.cum))
            .thenComparing(Entry::name, GoStrings.ORDER)
            .thenComparingLong(e -> -Math.abs(e.flat))
            .thenComparing(e -> e.frame.objfile() + "\u0000" + e.frame.startLine(), GoStrings.ORDER);

    /** The first {@code n} functions (all when {@code n <= 0}), by flat or by cum. */
    public List<Entry> top(int n, boolean byCum) {
        List<Entry> sorted = byFlat;
        if (byCum) {
            sorted = new ArrayList<>(byFlat);
            sorted.sort(CUM_ORDER);
        }
        return n <= 0 || n >= sorted.size() ? sorted : sorted.subList(0, n);
    }

    /** Sum of the absolute CPU values of all samples: pprof's total, what percentages refer to. */
    public long total() {
        return total;
    }

    public int size() {
        return byFlat.size();
    }

    /** {@code value} in percent of the total, 0 when the total is 0. */
    public double percent(long value) {
        return total == 0 ? 0 : 100.0 * Math.abs((double) value) / total;
    }
}
