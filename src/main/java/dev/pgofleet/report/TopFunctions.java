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
    private final MergedProfile profile;

    private TopFunctions(List<Entry> byFlat, long total, MergedProfile profile) {
        this.byFlat = byFlat;
        this.total = total;
        this.profile = profile;
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
        return new TopFunctions(List.copyOf(entries), total, p);
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

    /**
     * pprof's {@code (inline)} / {@code (partial-inline)} mark of each shown function, from the
     * call edges between the shown functions (a caller that is not shown is skipped over, as in
     * pprof's trimmed graph): an edge is inline when every time it occurs its callee is an
     * inlined frame of the caller's location; edges weighing less than 0.1% of the total are
     * left out, as pprof's last trimming step does.
     */
    public Map<String, String> inlineMarks(List<Entry> shown) {
        Set<Frame> kept = new HashSet<>();
        shown.forEach(e -> kept.add(e.frame()));
        int cpu = Stacks.cpuIndex(profile);
        Map<List<Frame>, long[]> edges = new HashMap<>(); // (caller, callee) -> [weight, inline every time ? 1 : 0]
        Set<List<Frame>> seen = new HashSet<>(); // as pprof, only an edge's first occurrence in a sample counts
        for (MergedProfile.Sample s : profile.samples()) {
            if (s.value(cpu) == 0) {
                continue;
            }
            Frame parent = null;
            seen.clear();
            for (int i = s.locations().size() - 1; i >= 0; i--) {
                MergedProfile.Location l = s.locations().get(i);
                int lines = Math.max(1, l.lines().size());
                for (int j = lines - 1; j >= 0; j--) {
                    Frame n = Frame.of(l, l.lines().isEmpty() ? null : l.lines().get(j));
                    if (!kept.contains(n)) {
                        continue;
                    }
                    if (parent != null && !n.equals(parent)) {
                        List<Frame> edge = List.of(parent, n);
                        if (seen.add(edge)) {
                            long[] e = edges.computeIfAbsent(edge, k -> new long[] {0, 1});
                            e[0] += s.value(cpu);
                            e[1] &= j != lines - 1 ? 1 : 0;
                        }
                    }
                    parent = n;
                }
            }
        }
        Map<Frame, int[]> flags = new HashMap<>(); // [has inline edge in, has other edge in]
        long edgeCutoff = Math.abs((long) (total * 0.001));
        edges.forEach((edge, e) -> {
            if (Math.abs(e[0]) >= edgeCutoff) {
                flags.computeIfAbsent(edge.get(1), k -> new int[2])[e[1] == 1 ? 0 : 1] = 1;
            }
        });
        Map<String, String> marks = new HashMap<>();
        for (Entry e : shown) {
            int[] f = flags.get(e.frame());
            if (f != null && f[0] == 1) {
                marks.put(e.name(), f[1] == 1 ? "(partial-inline)" : "(inline)");
            }
        }
        return marks;
    }
}
