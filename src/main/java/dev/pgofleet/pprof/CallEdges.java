package dev.pgofleet.pprof;

import dev.pgofleet.pprof.MergedProfile.Line;
import dev.pgofleet.pprof.MergedProfile.Location;
import dev.pgofleet.pprof.MergedProfile.Sample;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The call edges Go's PGO reader sees in a profile (Go 1.21 to 1.23: {@code cmd/internal/pgo}
 * over {@code internal/profile.NewGraph}): for each sample with a non-zero weight, the edges among
 * the lines of its two leaf-most locations, keyed by caller name, callee name and the call's line
 * offset from the caller's {@code start_line}, sorted as {@code go tool preprofile} writes them.
 * The weight is the first sample type that is {@code samples/count} or {@code cpu/nanoseconds}.
 */
public final class CallEdges {
    /** {@code inlineCDFHotCallSiteThresholdPercent} in {@code cmd/compile/internal/inline}. */
    public static final double HOT_CDF_PERCENT = 99;

    public record Edge(String caller, String callee, long offset, long weight) {}

    private final List<Edge> edges;
    private final long totalWeight;
    private final boolean hasStartLine;

    private CallEdges(List<Edge> edges, long totalWeight, boolean hasStartLine) {
        this.edges = edges;
        this.totalWeight = totalWeight;
        this.hasStartLine = hasStartLine;
    }

    /** Go's graph node key ({@code internal/profile.nodeInfo}). */
    private record Node(long address, long line, String name, long startLine) {}

    private record NamedEdge(String caller, String callee, long offset) {}

    private record NodePair(Node caller, Node callee) {}

    public static CallEdges of(MergedProfile p) throws InvalidProfileException {
        int valueIndex = -1;
        for (int i = 0; i < p.sampleTypes().size() && valueIndex < 0; i++) {
            ValueType t = p.sampleTypes().get(i);
            if (t.equals(ValueType.SAMPLES_COUNT) || t.equals(ValueType.CPU_NANOS)) {
                valueIndex = i;
            }
        }
        if (valueIndex < 0) {
            throw new InvalidProfileException("no samples/count or cpu/nanoseconds sample type: Go's PGO reader refuses it");
        }
        Map<Location, Node[]> nodes = new HashMap<>();
        Map<NodePair, Long> edgeWeight = new HashMap<>();
        Set<Node> seenNode = new HashSet<>();
        Set<NodePair> seenEdge = new HashSet<>();
        boolean startLine = false;
        for (Sample s : p.samples()) {
            long w = s.value(valueIndex);
            if (w == 0) {
                continue;
            }
            seenNode.clear();
            seenEdge.clear();
            Node parent = null;
            for (int i = Math.min(LeanProfile.FRAMES, s.locations().size()) - 1; i >= 0; i--) {
                Node[] locNodes = nodes.computeIfAbsent(s.locations().get(i), CallEdges::nodes);
                for (int ni = locNodes.length - 1; ni >= 0; ni--) {
                    Node n = locNodes[ni];
                    startLine |= n.startLine != 0;
                    boolean sawNode = !seenNode.add(n);
                    NodePair pair = new NodePair(parent, n);
                    if ((!sawNode || !seenEdge.contains(pair)) && parent != null && !n.equals(parent)) {
                        seenEdge.add(pair);
                        edgeWeight.merge(pair, w, Long::sum);
                    }
                    parent = n;
                }
            }
        }
        Map<NamedEdge, Long> named = new HashMap<>();
        long total = 0;
        for (Map.Entry<NodePair, Long> e : edgeWeight.entrySet()) {
            Node caller = e.getKey().caller, callee = e.getKey().callee;
            named.merge(new NamedEdge(caller.name, callee.name, caller.line - caller.startLine), e.getValue(), Long::sum);
            total += e.getValue();
        }
        List<Edge> edges = new ArrayList<>(named.size());
        named.forEach((k, w) -> edges.add(new Edge(k.caller, k.callee, k.offset, w)));
        edges.sort(Comparator.comparingLong(Edge::weight).reversed()
                .thenComparing(Edge::caller)
                .thenComparing(Edge::callee)
                .thenComparingLong(Edge::offset));
        return new CallEdges(List.copyOf(edges), total, startLine);
    }

    private static Node[] nodes(Location l) {
        if (l.lines().isEmpty()) {
            return new Node[] {new Node(l.address(), 0, "", 0)};
        }
        Node[] out = new Node[l.lines().size()];
        for (int i = 0; i < out.length; i++) {
            Line line = l.lines().get(i);
            out[i] = line.function() == null ? new Node(l.address(), 0, "", 0)
                    : new Node(l.address(), line.line(), line.function().name(), line.function().startLine());
        }
        return out;
    }

    /** All edges, hottest first, ties by caller, callee and offset (Go's order). */
    public List<Edge> edges() {
        return edges;
    }

    /** Sum of all edge weights: Go's {@code TotalWeight}. */
    public long totalWeight() {
        return totalWeight;
    }

    /** Go refuses a profile without any {@code start_line} ("profile missing Function.start_line data"). */
    public boolean hasStartLine() {
        return hasStartLine;
    }

    /**
     * How many of the hottest edges are hot: the shortest prefix whose cumulative weight exceeds
     * 99% of the total, as {@code hotNodesFromCDF} counts it.
     */
    public int hotCount() {
        long cum = 0;
        for (int i = 0; i < edges.size(); i++) {
            cum += edges.get(i).weight;
            if (percent(cum) > HOT_CDF_PERCENT) {
                return i + 1;
            }
        }
        return edges.size();
    }

    /** {@code pgo.WeightInPercentage}. */
    public double percent(long weight) {
        return (double) weight / (double) totalWeight * 100;
    }

    /** The text {@code go tool preprofile} writes for this profile. */
    public String preprofile() {
        StringBuilder b = new StringBuilder("GO PREPROFILE V1\n");
        for (Edge e : edges) {
            b.append(e.caller).append('\n').append(e.callee).append('\n').append(e.offset).append(' ').append(e.weight).append('\n');
        }
        return b.toString();
    }
}
