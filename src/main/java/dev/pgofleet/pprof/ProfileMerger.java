package dev.pgofleet.pprof;

import dev.pgofleet.pprof.MergedProfile.Function;
import dev.pgofleet.pprof.MergedProfile.Line;
import dev.pgofleet.pprof.MergedProfile.Location;
import dev.pgofleet.pprof.MergedProfile.Mapping;
import dev.pgofleet.pprof.MergedProfile.Sample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A streaming version of google/pprof's {@code profile.Merge}: profiles are folded in one at a
 * time, so memory follows the size of the merged profile, not the number of inputs. Keys, header
 * rules, numbering and zero-sample removal are those of the Go code, so the result encodes to the
 * same bytes as {@code go tool pprof -proto} of the same inputs in the same order.
 */
public final class ProfileMerger {
    private int inputs;
    private List<ValueType> sampleTypes;
    private ValueType periodType;
    private String dropFrames, keepFrames, defaultSampleType = "";
    private long timeNanos, durationNanos, period;
    private final Set<String> comments = new LinkedHashSet<>();

    private final List<Mapping> mappings = new ArrayList<>();
    private final Map<MappingKey, Mapping> mappingByKey = new HashMap<>();
    private final List<Function> functions = new ArrayList<>();
    private final Map<FunctionKey, Function> functionByKey = new HashMap<>();
    private final List<Location> locations = new ArrayList<>();
    private final Map<LocationKey, Location> locationByKey = new HashMap<>();
    private final AddressIndex byAddress = new AddressIndex();
    private final List<Sample> samples = new ArrayList<>();
    private final SampleIndex sampleIndex = new SampleIndex();
    /** One instance per distinct label set, so that sample keys compare labels by reference. */
    private final Map<SampleLabels, SampleLabels> labelPool = new HashMap<>();
    /** One instance per distinct string of the merged functions, so that most string checks compare references. */
    private final Map<String, String> stringPool = new HashMap<>();

    // Per-input memo tables, indexed by table position in the current input.
    private ValidProfile src;
    private Mapping[] mappingMemo;
    private long[] mappingOffset;
    private Function[] functionMemo;
    private Location[] locationMemo;
    /** Per source location: the merged location's id, or 0 before it is mapped. */
    private int[] locationIdMemo;
    /** Per source string index: a merged string known to be equal to it, or null. */
    private String[] stringMemo;
    /** Whether the source's functions carry string table indexes (a merged profile taken as input has none). */
    private boolean srcHasStringIndexes;
    private final Map<SampleLabels, SampleLabels> pooledLabels = new IdentityHashMap<>();
    private int[] sampleKey = new int[64];
    private final LocationKey locationProbe = new LocationKey(new long[64]);
    private final boolean alignSampleTypes;
    /** For each merged sample type, the position of that type in the current input. */
    private int[] valueOrder;

    /** A merge with google/pprof's rules: inputs must list the same sample types in the same order. */
    public ProfileMerger() {
        this(false);
    }

    /**
     * With {@code alignSampleTypes}, an input listing the same sample types in another order is
     * reordered instead of refused. The collector uses this: both orders are valid Go CPU profiles,
     * and one odd agent must not make every later merge fail.
     */
    public ProfileMerger(boolean alignSampleTypes) {
        this.alignSampleTypes = alignSampleTypes;
    }

    boolean alignsSampleTypes() {
        return alignSampleTypes;
    }

    /** Number of profiles folded in so far. */
    public int inputs() {
        return inputs;
    }

    /**
     * Folds in another merger's result as it is held in memory (no encoding): what folding that
     * merger's inputs one by one would give, up to numbering and order, when every input is
     * {@linkplain ParallelFold#associative associative}.
     */
    public void add(ProfileMerger partial) throws InvalidProfileException {
        add(partial.copy());
    }

    /** The merge so far as a profile of its own, which later adds to this merger leave as it is. */
    public ValidProfile copy() throws InvalidProfileException {
        return ValidProfile.of(result(), false);
    }

    /** Samples, locations and functions held: what the merged profile's memory grows with. */
    public int size() {
        return samples.size() + locations.size() + functions.size();
    }

    /** Folds one profile in; an incompatible profile is refused and leaves the merge as it was. */
    public void add(ValidProfile p) throws InvalidProfileException {
        valueOrder = inputs > 0 ? checkCompatible(p) : identity(p.sampleTypes().size());
        combineHeader(p);
        inputs++;
        src = p;
        mappingMemo = new Mapping[p.w.mappings];
        mappingOffset = new long[p.w.mappings];
        functionMemo = new Function[p.w.functions];
        locationMemo = new Location[p.w.locations];
        locationIdMemo = new int[p.w.locations];
        srcHasStringIndexes = p.w.fNameX.size == p.w.functions;
        stringMemo = srcHasStringIndexes ? new String[p.strings.length] : null;
        try {
            // The first mapping is the main binary: map it first so that it keeps id 1.
            if (mappings.isEmpty() && p.mappingFile.length > 0) {
                mapMapping(0);
            }
            WireProfile w = p.w;
            for (int i = 0; i < w.samples; i++) {
                int values = (int) w.sValueStart.get(i);
                if (!isZero(w.sValue.v, values, sampleTypes.size())) {
                    mapSample(i, values);
                }
            }
        } finally {
            src = null;
            mappingMemo = null;
            functionMemo = null;
            locationMemo = null;
            locationIdMemo = null;
            stringMemo = null;
            pooledLabels.clear();
        }
    }

    private int[] checkCompatible(ValidProfile p) throws InvalidProfileException {
        if (!periodType.equals(p.periodType())) {
            throw new InvalidProfileException("incompatible period types " + periodType + " and " + p.periodType());
        }
        if (sampleTypes.equals(p.sampleTypes())) {
            return identity(sampleTypes.size());
        }
        if (alignSampleTypes && sampleTypes.size() == p.sampleTypes().size()
                && sampleTypes.stream().distinct().count() == sampleTypes.size()
                && p.sampleTypes().containsAll(sampleTypes)) {
            return sampleTypes.stream().mapToInt(t -> p.sampleTypes().indexOf(t)).toArray();
        }
        throw new InvalidProfileException("incompatible sample types " + sampleTypes + " and " + p.sampleTypes());
    }

    private static int[] identity(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }

    private void combineHeader(ValidProfile p) {
        if (inputs == 0) {
            sampleTypes = p.sampleTypes();
            periodType = p.periodType();
            dropFrames = p.dropFrames;
            keepFrames = p.keepFrames;
        }
        // Go's rules, quirks included: a zero time after a non-zero one wins, as does any
        // period while the running one is zero.
        if (timeNanos == 0 || p.timeNanos() < timeNanos) {
            timeNanos = p.timeNanos();
        }
        durationNanos += p.durationNanos();
        if (period == 0 || period < p.period()) {
            period = p.period();
        }
        comments.addAll(p.comments);
        if (defaultSampleType.isEmpty()) {
            defaultSampleType = p.defaultSampleType;
        }
    }

    private static boolean isZero(long[] values, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (values[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private void mapSample(int index, int valuesFrom) {
        int locFrom = (int) src.w.sLocStart.get(index), locTo = (int) src.w.sLocStart.get(index + 1);
        long[] srcValues = src.w.sValue.v;
        int length = locTo - locFrom;
        if (sampleKey.length < length) {
            sampleKey = new int[Math.max(length, sampleKey.length * 2)];
        }
        for (int j = locFrom; j < locTo; j++) {
            int loc = src.sampleLocation[j], id = locationIdMemo[loc];
            sampleKey[j - locFrom] = id != 0 ? id : (int) mapLocation(loc).id();
        }
        SampleLabels labels = pooled(src.sampleLabels[index]);
        int hash = SampleIndex.hash(sampleKey, length, labels);
        int at = sampleIndex.find(sampleKey, length, labels, hash);
        if (at >= 0) {
            Sample existing = samples.get(at);
            for (int i = 0; i < existing.values.length; i++) {
                existing.values[i] += srcValues[valuesFrom + valueOrder[i]];
            }
            return;
        }
        Location[] locs = new Location[locTo - locFrom];
        for (int i = 0; i < locs.length; i++) {
            locs[i] = locationMemo[src.sampleLocation[locFrom + i]];
        }
        long[] values = new long[valueOrder.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = srcValues[valuesFrom + valueOrder[i]];
        }
        samples.add(new Sample(List.of(locs), values, labels));
        sampleIndex.add(sampleKey, length, labels, hash);
    }

    /** The pooled instance of a source sample's labels; a source shares one instance per distinct set. */
    private SampleLabels pooled(SampleLabels labels) {
        SampleLabels p = pooledLabels.get(labels);
        if (p == null) {
            p = labelPool.computeIfAbsent(labels, l -> l);
            pooledLabels.put(labels, p);
        }
        return p;
    }

    private Location mapLocation(int i) {
        Location memo = locationMemo[i];
        if (memo != null) {
            return memo;
        }
        WireProfile w = src.w;
        int srcMapping = src.locationMapping[i];
        Mapping m = srcMapping < 0 ? null : mapMapping(srcMapping);
        long offset = srcMapping < 0 ? 0 : mappingOffset[srcMapping];
        long address = w.lAddress.get(i) + offset;
        boolean folded = w.lFolded.get(i) != 0;
        int lineFrom = (int) w.lineStart.get(i), lineCount = (int) w.lineStart.get(i + 1) - lineFrom;
        long relative = m == null ? address : address - m.start(), mappingId = m == null ? 0 : m.id();
        // Inputs from the same binaries repeat their locations at the same addresses: a location
        // found by address and equal in every field needs no key built, hashed or compared.
        Location seen = byAddress.find(relative, mappingId);
        if (seen != null && sameAsSource(seen, folded, lineFrom, lineCount)) {
            locationMemo[i] = seen;
            locationIdMemo[i] = (int) seen.id();
            return seen;
        }
        // Look the key up with a reused probe: a location seen in an earlier input costs no allocation.
        locationProbe.reset(relative, mappingId, folded, lineCount);
        for (int j = 0; j < lineCount; j++) {
            int f = src.lineFunction[lineFrom + j];
            locationProbe.line(j, f < 0 ? 0 : mapFunction(f).id(), f >= 0, w.lineNumber.get(lineFrom + j),
                    w.lineColumn.get(lineFrom + j));
        }
        locationProbe.rehash();
        Location found = locationByKey.get(locationProbe);
        if (found == null) {
            Line[] lines = new Line[lineCount];
            for (int j = 0; j < lineCount; j++) {
                int f = src.lineFunction[lineFrom + j];
                lines[j] = new Line(f < 0 ? null : mapFunction(f), w.lineNumber.get(lineFrom + j), w.lineColumn.get(lineFrom + j));
            }
            found = new Location(locations.size() + 1, m, address, List.of(lines), folded);
            locationByKey.put(locationProbe.freeze(), found);
            locations.add(found);
            byAddress.putIfAbsent(relative, mappingId, found);
        }
        locationMemo[i] = found;
        locationIdMemo[i] = (int) found.id();
        return found;
    }

    /**
     * Whether merged location {@code l} equals, field by field, the source location whose lines
     * start at {@code lineFrom} (its mapping and relative address are already known to match).
     * Equal fields give an equal google/pprof key, so {@code l} is what the key lookup would find;
     * any difference sends the caller to that lookup, which alone decides. On a match, the source
     * functions are known to be those of {@code l}'s lines.
     */
    private boolean sameAsSource(Location l, boolean folded, int lineFrom, int lineCount) {
        List<Line> lines = l.lines();
        if (l.folded() != folded || lines.size() != lineCount) {
            return false;
        }
        WireProfile w = src.w;
        for (int j = 0; j < lineCount; j++) {
            Line line = lines.get(j);
            int f = src.lineFunction[lineFrom + j];
            if (line.line() != w.lineNumber.get(lineFrom + j) || line.column() != w.lineColumn.get(lineFrom + j)
                    || (f < 0 ? line.function() != null : !sameFunction(line.function(), f))) {
                return false;
            }
        }
        for (int j = 0; j < lineCount; j++) {
            int f = src.lineFunction[lineFrom + j];
            if (f >= 0) {
                functionMemo[f] = lines.get(j).function();
            }
        }
        return true;
    }

    private boolean sameFunction(Function merged, int f) {
        if (merged == null) {
            return false;
        }
        Function memo = functionMemo[f];
        if (memo != null) {
            return memo == merged;
        }
        WireProfile w = src.w;
        if (!srcHasStringIndexes) {
            return merged.startLine() == w.fStart.get(f) && merged.name().equals(src.functionName[f])
                    && merged.systemName().equals(src.functionSystemName[f]) && merged.filename().equals(src.functionFile[f]);
        }
        return merged.startLine() == w.fStart.get(f) && sameString(merged.name(), (int) w.fNameX.get(f))
                && sameString(merged.systemName(), (int) w.fSysX.get(f)) && sameString(merged.filename(), (int) w.fFileX.get(f));
    }

    /**
     * Whether merged string {@code s} equals source string {@code i}. An equal instance is
     * remembered: functions share file names (and Go writes a function's name and system name as
     * one string), so most checks then compare references.
     */
    private boolean sameString(String s, int i) {
        if (stringMemo[i] == s) {
            return true;
        }
        if (!s.equals(src.strings[i])) {
            return false;
        }
        stringMemo[i] = s;
        return true;
    }

    private String canonical(String s) {
        String p = stringPool.putIfAbsent(s, s);
        return p == null ? s : p;
    }

    private Mapping mapMapping(int i) {
        Mapping memo = mappingMemo[i];
        if (memo != null) {
            return memo;
        }
        WireProfile w = src.w;
        long start = w.mStart.get(i), limit = w.mLimit.get(i), fileOffset = w.mOffset.get(i), flags = w.mFlags.get(i);
        String buildId = src.mappingBuildId[i], file = src.mappingFile[i];
        MappingKey key = new MappingKey(roundedSize(start, limit), fileOffset, !buildId.isEmpty() ? buildId : file);
        Mapping found = mappingByKey.get(key);
        if (found != null) {
            mappingOffset[i] = found.start() - start;
        } else {
            found = new Mapping(mappings.size() + 1, start, limit, fileOffset, file, buildId,
                    (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0, (flags & 8) != 0);
            mappings.add(found);
            mappingByKey.put(key, found);
            mappingOffset[i] = 0;
        }
        mappingMemo[i] = found;
        return found;
    }

    /** Mapping size rounded up to 4 KiB, so tiny differences between runs do not split a binary. */
    private static long roundedSize(long start, long limit) {
        long size = limit - start + 0xfff;
        return size - Long.remainderUnsigned(size, 0x1000);
    }

    private Function mapFunction(int i) {
        Function memo = functionMemo[i];
        if (memo != null) {
            return memo;
        }
        FunctionKey key = new FunctionKey(src.w.fStart.get(i), src.functionName[i],
                src.functionSystemName[i], src.functionFile[i]);
        Function found = functionByKey.get(key);
        if (found == null) {
            found = new Function(functions.size() + 1, canonical(key.name), canonical(key.systemName), canonical(key.file), key.startLine);
            functions.add(found);
            functionByKey.put(key, found);
        }
        functionMemo[i] = found;
        return found;
    }

    /**
     * The merged profile. Samples whose values summed to zero are removed and everything renumbered,
     * as google/pprof does by merging its result once more.
     */
    public MergedProfile result() throws InvalidProfileException {
        if (inputs == 0) {
            throw new InvalidProfileException("no profiles to merge");
        }
        MergedProfile merged = new MergedProfile(sampleTypes, periodType, period, timeNanos, durationNanos,
                List.copyOf(comments), defaultSampleType, dropFrames, keepFrames, List.copyOf(mappings),
                List.copyOf(locations), List.copyOf(functions), List.copyOf(samples));
        for (Sample s : samples) {
            if (s.isZero()) {
                return compact(merged, false);
            }
        }
        return merged;
    }

    /** google/pprof's Compact: the profile merged alone, in memory, optionally with every label dropped first. */
    static MergedProfile compact(MergedProfile p, boolean dropLabels) throws InvalidProfileException {
        ProfileMerger again = new ProfileMerger();
        again.add(ValidProfile.of(p, dropLabels));
        return again.result();
    }

    private record MappingKey(long size, long offset, String buildIdOrFile) {}

    private record FunctionKey(long startLine, String name, String systemName, String file) {}

    /**
     * google/pprof's location key: address relative to the mapping, mapping id, folded flag and lines.
     * Go builds the lines part as a string with an indexing slip (each line's column slot is the
     * next line's function slot), so only the last column counts and a line without a function
     * inherits the column before it. The slots below reproduce that exactly: per Go string slot a
     * (set, value) pair. One instance is reused as the lookup probe.
     */
    private static final class LocationKey {
        private static final long SET = 1;
        private long addr, mappingId;
        private boolean folded;
        private long[] slots;
        private int length;
        private int hash;

        LocationKey(long[] slots) {
            this.slots = slots;
        }

        void reset(long addr, long mappingId, boolean folded, int lines) {
            this.addr = addr;
            this.mappingId = mappingId;
            this.folded = folded;
            this.length = 2 * 3 * lines;
            if (slots.length < length) {
                slots = new long[Math.max(length, slots.length * 2)];
            }
            Arrays.fill(slots, 0, length, 0);
        }

        void line(int i, long functionId, boolean hasFunction, long line, long column) {
            if (hasFunction) {
                put(2 * i, functionId);
            }
            put(2 * i + 1, line);
            put(2 * i + 2, column);
        }

        private void put(int slot, long value) {
            slots[2 * slot] = SET;
            slots[2 * slot + 1] = value;
        }

        void rehash() {
            int h = (Long.hashCode(addr) * 31 + Long.hashCode(mappingId)) * 31 + (folded ? 1 : 0);
            for (int i = 0; i < length; i++) {
                h = h * 31 + Long.hashCode(slots[i]);
            }
            hash = h;
        }

        LocationKey freeze() {
            LocationKey k = new LocationKey(Arrays.copyOf(slots, length));
            k.addr = addr;
            k.mappingId = mappingId;
            k.folded = folded;
            k.length = length;
            k.hash = hash;
            return k;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LocationKey k && hash == k.hash && addr == k.addr && mappingId == k.mappingId
                    && folded == k.folded && Arrays.equals(slots, 0, length, k.slots, 0, k.length);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
