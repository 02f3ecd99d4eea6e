package dev.pgofleet.pprof;

import dev.pgofleet.pprof.MergedProfile.Function;
import dev.pgofleet.pprof.MergedProfile.Line;
import dev.pgofleet.pprof.MergedProfile.Location;
import dev.pgofleet.pprof.MergedProfile.Mapping;
import dev.pgofleet.pprof.MergedProfile.Sample;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Guards against harmful inlining: functions whose name matches one of the patterns (a match
 * anywhere in the name, as Go's {@code regexp.MatchString}) are renamed to {@link #PREFIX} + name.
 * No Go function has that name, so the compiler finds no hot call edge into or out of them, while
 * every weight, and so the total that sets the hot-edge threshold, stays the same. Equality is
 * that of the pattern texts.
 */
public final class ExcludedFunctions {
    /** Prefixed to an excluded function's name; a colon never occurs in a Go package path. */
    public static final String PREFIX = "pgofleet-excluded:";
    public static final ExcludedFunctions NONE = new ExcludedFunctions(List.of(), List.of());

    private final List<String> sources;
    private final List<Pattern> patterns;

    private ExcludedFunctions(List<String> sources, List<Pattern> patterns) {
        this.sources = sources;
        this.patterns = patterns;
    }

    /**
     * The patterns, duplicates removed, in the order given.
     *
     * @throws IllegalArgumentException naming the pattern and what is wrong with it
     */
    public static ExcludedFunctions of(List<String> regexes) {
        List<String> sources = List.copyOf(new LinkedHashSet<>(regexes));
        List<Pattern> patterns = new ArrayList<>(sources.size());
        for (String r : sources) {
            if (r.isEmpty()) {
                throw new IllegalArgumentException("empty pattern (it would exclude every function)");
            }
            try {
                patterns.add(Pattern.compile(r));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("invalid pattern " + r + ": " + e.getDescription());
            }
        }
        return new ExcludedFunctions(sources, List.copyOf(patterns));
    }

    /** These patterns and then those of {@code more}. */
    public ExcludedFunctions and(ExcludedFunctions more) {
        if (more.sources.isEmpty()) {
            return this;
        }
        List<String> all = new ArrayList<>(sources);
        all.addAll(more.sources);
        return of(all);
    }

    public boolean isEmpty() {
        return sources.isEmpty();
    }

    public List<String> patterns() {
        return sources;
    }

    public boolean excludes(String functionName) {
        for (Pattern p : patterns) {
            if (p.matcher(GoString.display(functionName)).find()) {
                return true;
            }
        }
        return false;
    }

    /** {@code p} with every matching function renamed; the same object when none matches. */
    public MergedProfile apply(MergedProfile p) {
        Map<Function, Function> renamed = new IdentityHashMap<>();
        List<Function> functions = new ArrayList<>(p.functions().size());
        for (Function f : p.functions()) {
            if (excludes(f.name())) {
                Function r = new Function(f.id(), PREFIX + f.name(), f.systemName(), f.filename(), f.startLine());
                renamed.put(f, r);
                functions.add(r);
            } else {
                functions.add(f);
            }
        }
        if (renamed.isEmpty()) {
            return p;
        }
        Map<Location, Location> relinked = new IdentityHashMap<>();
        List<Location> locations = new ArrayList<>(p.locations().size());
        for (Location l : p.locations()) {
            Location r = l;
            for (Line line : l.lines()) {
                if (line.function() != null && renamed.containsKey(line.function())) {
                    r = new Location(l.id(), l.mapping(), l.address(), relink(l.lines(), renamed), l.folded());
                    relinked.put(l, r);
                    break;
                }
            }
            locations.add(r);
        }
        List<Sample> samples = new ArrayList<>(p.samples().size());
        for (Sample s : p.samples()) {
            List<Location> stack = s.locations();
            for (int i = 0; i < stack.size(); i++) {
                if (relinked.containsKey(stack.get(i))) {
                    List<Location> copy = new ArrayList<>(stack.size());
                    for (Location l : stack) {
                        copy.add(relinked.getOrDefault(l, l));
                    }
                    stack = List.copyOf(copy);
                    break;
                }
            }
            samples.add(stack == s.locations() ? s : new Sample(stack, s.values.clone(), s.labels()));
        }
        List<Mapping> mappings = p.mappings();
        return new MergedProfile(p.sampleTypes(), p.periodType(), p.period(), p.timeNanos(), p.durationNanos(),
                p.comments(), p.defaultSampleType(), p.dropFrames(), p.keepFrames(), mappings,
                List.copyOf(locations), List.copyOf(functions), List.copyOf(samples));
    }

    private static List<Line> relink(List<Line> lines, Map<Function, Function> renamed) {
        List<Line> out = new ArrayList<>(lines.size());
        for (Line line : lines) {
            Function f = line.function();
            out.add(f != null && renamed.containsKey(f) ? new Line(renamed.get(f), line.line(), line.column()) : line);
        }
        return List.copyOf(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExcludedFunctions e && sources.equals(e.sources);
    }

    @Override
    public int hashCode() {
        return sources.hashCode();
    }

    @Override
    public String toString() {
        return String.join(" ", sources);
    }
}
