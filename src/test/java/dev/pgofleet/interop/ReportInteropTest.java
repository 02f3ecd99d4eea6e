package dev.pgofleet.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.MergedProfile;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.report.FlameGraph;
import dev.pgofleet.report.TopFunctions;
import dev.pgofleet.testing.GoToolchain;
import dev.pgofleet.testing.TestData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The summary's top table and the flame graph against go tool pprof on the golden merges:
 * {@code -top -sample_index=cpu} (every function, same order, same flat and cum) and
 * {@code -traces} (the call tree built from Go's stacks equals ours).
 */
class ReportInteropTest {
    @TempDir
    static Path tmp;
    static GoToolchain go;

    private static final Pattern TOP_ROW = Pattern.compile(
            "^\\s*(-?\\d+)(?:ns)?\\s+[\\d.e+-]+%\\s+[\\d.e+-]+%\\s+(-?\\d+)(?:ns)?\\s+[\\d.e+-]+%\\s{2}(.*?)(?: \\((?:partial-)?inline\\))?$");
    private static final Pattern TRACE_VALUE = Pattern.compile("^\\s*(-?\\d+)(?:ns)?   (.*)$");

    @BeforeAll
    static void findGo() {
        go = GoToolchain.require(tmp);
    }

    record Row(String name, long flat, long cum) {}

    private static MergedProfile golden(String name) throws Exception {
        return ParallelFold.mergeFiles(List.of(TestData.path("golden/" + name + ".pprof")), DecodeLimits.DEFAULT, true, 1, n -> {});
    }

    @ParameterizedTest
    @ValueSource(strings = {"single", "fleet-24", "mixed-binaries", "self-3x"})
    void topEqualsGoToolPprofTop(String name) throws Exception {
        TopFunctions ours = TopFunctions.of(golden(name));
        for (int n : new int[] {20, 0}) { // 0: every function
            String out = go.run(tmp, 120, "tool", "pprof", "-top", "-sample_index=cpu", "-nodecount=" + n, "-nodefraction=0",
                    "-unit=ns", "-symbolize=none", TestData.path("golden/" + name + ".pprof").toString());
            List<Row> theirs = new ArrayList<>();
            for (String line : out.split("\n")) {
                Matcher m = TOP_ROW.matcher(line);
                if (m.matches()) {
                    theirs.add(new Row(m.group(3), Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
                }
            }
            assertThat(out).contains("of " + ours.total() + "ns total");
            assertThat(theirs).hasSize(n == 0 ? ours.size() : Math.min(n, ours.size()));
            List<Row> mine = ours.top(n, false).stream().map(e -> new Row(e.name(), e.flat(), e.cum())).toList();
            assertThat(mine).as("go tool pprof -top -nodecount=%d on %s", n, name).containsExactlyElementsOf(theirs);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"single", "fleet-24", "mixed-binaries"})
    void flameGraphEqualsTheTreeOfGoToolPprofTraces(String name) throws Exception {
        String out = go.run(tmp, 120, "tool", "pprof", "-traces", "-sample_index=cpu", "-unit=ns", "-symbolize=none",
                TestData.path("golden/" + name + ".pprof").toString());
        Tree theirs = new Tree("root");
        List<String> stack = new ArrayList<>();
        long value = 0;
        for (String line : (out + "\n-----------+").split("\n")) {
            Matcher v = TRACE_VALUE.matcher(line);
            if (line.startsWith("-----------+")) {
                if (!stack.isEmpty() && value != 0) {
                    theirs.add(stack, value);
                }
                stack.clear();
                value = 0;
            } else if (v.matches()) {
                value = Long.parseLong(v.group(1));
                stack.add(frame(v.group(2)));
            } else if (line.startsWith("             ") && !stack.isEmpty()) {
                stack.add(frame(line.substring(13)));
            }
        }
        FlameGraph.Node ours = FlameGraph.of(golden(name));
        assertThat(ours.value()).isEqualTo(TopFunctions.of(golden(name)).total()).isEqualTo(theirs.value());
        assertThat(Tree.of(ours)).isEqualTo(theirs);
    }

    private static String frame(String s) {
        return s.replaceAll(" \\((?:partial-)?inline\\)$", "");
    }

    /** A call tree keyed by frame name, comparable with equals. */
    record Tree(String name, java.util.TreeMap<String, Tree> children, long[] values) {
        Tree(String name) {
            this(name, new java.util.TreeMap<>(), new long[2]);
        }

        long value() {
            return values[0];
        }

        /** Adds a stack given leaf first, as -traces prints it. */
        void add(List<String> leafFirst, long v) {
            Tree t = this;
            t.values[0] += v;
            for (int i = leafFirst.size() - 1; i >= 0; i--) {
                t = t.children.computeIfAbsent(leafFirst.get(i), Tree::new);
                t.values[0] += v;
            }
            t.values[1] += v;
        }

        static Tree of(FlameGraph.Node n) {
            Tree t = new Tree(n.name());
            t.values[0] = n.value();
            t.values[1] = n.self();
            for (FlameGraph.Node c : n.children()) {
                assertThat(t.children.put(c.name(), of(c))).as("one child per name under %s", n.name()).isNull();
            }
            return t;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tree t && name.equals(t.name) && values[0] == t.values[0] && values[1] == t.values[1]
                    && children.equals(t.children);
        }

        @Override
        public int hashCode() {
            return name.hashCode();
        }

        @Override
        public String toString() {
            return name + "=" + values[0] + "/" + values[1] + (children.isEmpty() ? "" : children.values().toString());
        }
    }
}
