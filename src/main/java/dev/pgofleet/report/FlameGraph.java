package dev.pgofleet.report;

import dev.pgofleet.pprof.MergedProfile;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The merged call tree for a flame graph: a root named {@code root} whose value is the profile's
 * CPU total, then one node per distinct path of function-granular frames (inlined frames as their
 * own nodes, recursion as nested nodes). Each node's value is its children's sum plus the CPU
 * spent in it as a leaf ({@code self}). Nodes below a share of the total are folded into their
 * parent's {@code self}, so the tree stays small whatever the profile size.
 */
public final class FlameGraph {
    /** One node; children sorted by name so the output is deterministic. */
    public static final class Node {
        final String name;
        long value;
        long self;
        final Map<Frame, Node> children = new LinkedHashMap<>();

        Node(String name) {
            this.name = name;
        }

        public String name() { return name; }
        public long value() { return value; }
        public long self() { return self; }

        public List<Node> children() {
            List<Node> c = new ArrayList<>(children.values());
            c.sort(Comparator.comparing(Node::name, GoStrings.ORDER));
            return c;
        }
    }

    private FlameGraph() {}

    /** The whole tree, nothing folded. */
    public static Node of(MergedProfile p) {
        int cpu = Stacks.cpuIndex(p);
        Node root = new Node("root");
        for (MergedProfile.Sample s : p.samples()) {
            long v = s.value(cpu);
            if (v == 0) {
                continue;
            }
            Node n = root;
            root.value += v;
            for (Frame f : Stacks.rootToLeaf(s)) {
                Node child = n.children.get(f);
                if (child == null) {
                    child = new Node(f.printable());
                    n.children.put(f, child);
                }
                child.value += v;
                n = child;
            }
            n.self += v;
        }
        return root;
    }

    /**
     * Folds every node whose value is below {@code minShare} of the root's into its parent's self
     * value (the parent's value is unchanged). Returns the root.
     */
    public static Node fold(Node root, double minShare) {
        long threshold = (long) Math.ceil(Math.abs((double) root.value) * minShare);
        foldBelow(root, threshold);
        return root;
    }

    private static void foldBelow(Node n, long threshold) {
        var it = n.children.values().iterator();
        while (it.hasNext()) {
            Node c = it.next();
            if (Math.abs(c.value) < threshold) {
                n.self += c.value;
                it.remove();
            } else {
                foldBelow(c, threshold);
            }
        }
    }

    /** Node count of the tree. */
    public static int size(Node n) {
        int count = 1;
        for (Node c : n.children.values()) {
            count += size(c);
        }
        return count;
    }

    /** The tree as JSON: {@code {"name":..,"value":..,"self":..,"children":[..]}}, children omitted when none. */
    public static void writeJson(Node n, StringBuilder out) {
        out.append("{\"name\":");
        Json.string(n.name, out);
        out.append(",\"value\":").append(n.value).append(",\"self\":").append(n.self);
        if (!n.children.isEmpty()) {
            out.append(",\"children\":[");
            boolean first = true;
            for (Node c : n.children()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                writeJson(c, out);
            }
            out.append(']');
        }
        out.append('}');
    }
}
