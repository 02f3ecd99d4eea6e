package dev.pgofleet.pprof;

import dev.pgofleet.pprof.MergedProfile.Function;
import dev.pgofleet.pprof.MergedProfile.Line;
import dev.pgofleet.pprof.MergedProfile.Location;
import dev.pgofleet.pprof.MergedProfile.Mapping;
import dev.pgofleet.pprof.MergedProfile.Sample;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The lean form of a merged profile: what Go's PGO reader (Go 1.21 to 1.23) reads, and nothing
 * else. {@code internal/profile.NewGraph} counts only the two leaf-most locations of a sample
 * (each with all its inlined lines) as call edges, and {@code cmd/internal/pgo} reads neither
 * labels nor file names, so the lean form keeps for each sample those two locations, drops its
 * labels, sums samples that become identical and drops those that sum to zero. Only the
 * locations, functions and mappings still referenced remain, numbered in the order the samples
 * reach them (the full form's first mapping, the main binary, stays first when it is still
 * referenced); {@code start_line}, addresses and the header are kept as they are. Go's
 * {@code go tool preprofile} gives byte-identical output for both forms (GoLeanInteropTest).
 */
public final class LeanProfile {
    /** Locations of a sample the Go 1.21-1.23 PGO reader looks at, leaf first. */
    public static final int FRAMES = 2;

    private LeanProfile() {}

    public static MergedProfile of(MergedProfile p) {
        Map<StackKey, Sample> byStack = new LinkedHashMap<>();
        for (Sample s : p.samples()) {
            List<Location> stack = s.locations().subList(0, Math.min(FRAMES, s.locations().size()));
            StackKey key = new StackKey(stack.size(), stack.isEmpty() ? 0 : stack.get(0).id(),
                    stack.size() < 2 ? 0 : stack.get(1).id());
            Sample sum = byStack.get(key);
            if (sum == null) {
                byStack.put(key, new Sample(stack, s.values.clone(), SampleLabels.NONE));
            } else {
                for (int i = 0; i < sum.values.length; i++) {
                    sum.values[i] += s.values[i];
                }
            }
        }
        List<Sample> kept = new ArrayList<>(byStack.size());
        for (Sample s : byStack.values()) {
            if (!s.isZero()) {
                kept.add(s);
            }
        }
        Renumbering r = new Renumbering(p.mappings().isEmpty() ? null : p.mappings().get(0), kept);
        List<Sample> samples = new ArrayList<>(kept.size());
        for (Sample s : kept) {
            List<Location> locations = new ArrayList<>(s.locations().size());
            for (Location l : s.locations()) {
                locations.add(r.newLocation.get(l));
            }
            samples.add(new Sample(List.copyOf(locations), s.values, SampleLabels.NONE));
        }
        return new MergedProfile(p.sampleTypes(), p.periodType(), p.period(), p.timeNanos(), p.durationNanos(),
                p.comments(), p.defaultSampleType(), p.dropFrames(), p.keepFrames(), List.copyOf(r.mappings),
                List.copyOf(r.locations), List.copyOf(r.functions), List.copyOf(samples));
    }

    private record StackKey(int frames, long leaf, long caller) {}

    /**
     * The objects the kept samples reach, with new ids (positions + 1) in the order first reached,
     * the main binary's mapping first. Keyed by identity: the merge makes one object per id.
     */
    private static final class Renumbering {
        final List<Mapping> mappings = new ArrayList<>();
        final List<Function> functions = new ArrayList<>();
        final List<Location> locations = new ArrayList<>();
        final Map<Location, Location> newLocation = new IdentityHashMap<>();

        Renumbering(Mapping main, List<Sample> samples) {
            Map<Location, Boolean> reached = new IdentityHashMap<>();
            List<Location> order = new ArrayList<>();
            Map<Mapping, Boolean> mappingReached = new IdentityHashMap<>();
            List<Mapping> mappingOrder = new ArrayList<>();
            for (Sample s : samples) {
                for (Location l : s.locations()) {
                    if (reached.put(l, Boolean.TRUE) == null) {
                        order.add(l);
                        if (l.mapping() != null && mappingReached.put(l.mapping(), Boolean.TRUE) == null) {
                            mappingOrder.add(l.mapping());
                        }
                    }
                }
            }
            if (main != null && mappingReached.containsKey(main)) {
                mappingOrder.remove(main);
                mappingOrder.add(0, main);
            }
            Map<Mapping, Mapping> newMapping = new IdentityHashMap<>();
            for (Mapping m : mappingOrder) {
                Mapping copy = new Mapping(newMapping.size() + 1, m.start(), m.limit(), m.offset(), m.file(), m.buildId(),
                        m.hasFunctions(), m.hasFilenames(), m.hasLineNumbers(), m.hasInlineFrames());
                newMapping.put(m, copy);
                mappings.add(copy);
            }
            Map<Function, Function> newFunction = new IdentityHashMap<>();
            for (Location l : order) {
                List<Line> lines = new ArrayList<>(l.lines().size());
                for (Line line : l.lines()) {
                    Function f = line.function();
                    if (f != null && !newFunction.containsKey(f)) {
                        Function copy = new Function(newFunction.size() + 1, f.name(), f.systemName(), f.filename(), f.startLine());
                        newFunction.put(f, copy);
                        functions.add(copy);
                    }
                    lines.add(new Line(f == null ? null : newFunction.get(f), line.line(), line.column()));
                }
                Location copy = new Location(newLocation.size() + 1, l.mapping() == null ? null : newMapping.get(l.mapping()),
                        l.address(), List.copyOf(lines), l.folded());
                newLocation.put(l, copy);
                locations.add(copy);
            }
        }
    }
}
