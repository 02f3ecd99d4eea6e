package dev.pgofleet.pprof;

import dev.pgofleet.pprof.proto.ProfileProto.Profile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A decoded profile that passed google/pprof's checks (Parse + CheckValid), with every reference
 * resolved to a table position so that merging never looks an id up again. Tables stay in the
 * primitive arrays of {@link WireProfile}; strings are decoded once.
 */
public final class ValidProfile {
    final WireProfile w;
    final String[] strings;
    final List<ValueType> sampleTypes;
    final ValueType periodType;
    final List<String> comments;
    final String defaultSampleType, dropFrames, keepFrames;
    final String[] mappingFile, mappingBuildId;
    final String[] functionName, functionSystemName, functionFile;
    /** Per location: its mapping's position, or -1 when it has none (or names an unknown one, as in google/pprof). */
    final int[] locationMapping;
    /** Per line (flat, as in {@link WireProfile#lineFunctionId}): the function's position (every line has one). */
    final int[] lineFunction;
    /** Per sample location (flat, as in {@link WireProfile#sLocId}): the location's position. */
    final int[] sampleLocation;
    final SampleLabels[] sampleLabels;

    private ValidProfile(WireProfile w) throws InvalidProfileException {
        this.w = w;
        this.strings = w.strings;
        if (strings.length == 0) {
            throw new InvalidProfileException("string table is empty: not a pprof profile");
        }
        if (!strings[0].isEmpty()) {
            throw new InvalidProfileException("string_table[0] must be empty");
        }
        List<ValueType> types = new ArrayList<>(w.sampleTypeX.size / 2);
        for (int i = 0; i < w.sampleTypeX.size; i += 2) {
            types.add(new ValueType(str(w.sampleTypeX.get(i), "sample type"), str(w.sampleTypeX.get(i + 1), "sample type")));
        }
        this.sampleTypes = List.copyOf(types);
        this.periodType = new ValueType(str(w.periodTypeX, "period type"), str(w.periodUnitX, "period type"));
        List<String> cs = new ArrayList<>(w.commentX.size);
        for (int i = 0; i < w.commentX.size; i++) {
            cs.add(str(w.commentX.get(i), "comment"));
        }
        this.comments = List.copyOf(cs);
        this.defaultSampleType = str(w.defaultX, "default sample type");
        this.dropFrames = str(w.dropX, "drop_frames");
        this.keepFrames = str(w.keepX, "keep_frames");

        mappingFile = new String[w.mappings];
        mappingBuildId = new String[w.mappings];
        for (int i = 0; i < w.mappings; i++) {
            mappingFile[i] = str(w.mFileX.get(i), "mapping file name");
            mappingBuildId[i] = str(w.mBuildX.get(i), "mapping build id");
        }
        IdIndex mappings = IdIndex.of("mapping", Arrays.copyOf(w.mId.v, w.mappings));

        functionName = new String[w.functions];
        functionSystemName = new String[w.functions];
        functionFile = new String[w.functions];
        for (int i = 0; i < w.functions; i++) {
            functionName[i] = str(w.fNameX.get(i), "function name");
            functionSystemName[i] = str(w.fSysX.get(i), "function system name");
            functionFile[i] = str(w.fFileX.get(i), "function file name");
        }
        IdIndex functions = IdIndex.of("function", Arrays.copyOf(w.fId.v, w.functions));

        locationMapping = new int[w.locations];
        lineFunction = new int[w.lineFunctionId.size];
        for (int i = 0; i < w.locations; i++) {
            long mid = w.lMappingId.get(i);
            locationMapping[i] = mid == 0 ? -1 : mappings.find(mid);
            for (int j = (int) w.lineStart.get(i); j < w.lineStart.get(i + 1); j++) {
                long fid = w.lineFunctionId.get(j);
                if (fid == 0) {
                    // google/pprof: "line with nil function"; go tool pprof refuses such a profile.
                    throw new InvalidProfileException("location " + Long.toUnsignedString(w.lId.get(i))
                            + " has a line without a function (function_id 0)");
                }
                lineFunction[j] = functions.find(fid);
                if (lineFunction[j] < 0) {
                    throw new InvalidProfileException("location " + Long.toUnsignedString(w.lId.get(i))
                            + " names function " + Long.toUnsignedString(fid) + ", which does not exist");
                }
            }
        }
        IdIndex locations = IdIndex.of("location", Arrays.copyOf(w.lId.v, w.locations));

        if (w.samples > 0 && sampleTypes.isEmpty()) {
            throw new InvalidProfileException("profile has samples but no sample types");
        }
        sampleLocation = new int[w.sLocId.size];
        sampleLabels = new SampleLabels[w.samples];
        Map<RawLabels, SampleLabels> seenLabels = new HashMap<>();
        for (int i = 0; i < w.samples; i++) {
            int values = (int) (w.sValueStart.get(i + 1) - w.sValueStart.get(i));
            if (values != sampleTypes.size()) {
                throw new InvalidProfileException("sample " + (i + 1) + " has " + values + " value"
                        + (values == 1 ? "" : "s") + ", profile has " + sampleTypes.size() + " sample types");
            }
            for (int j = (int) w.sLocStart.get(i); j < w.sLocStart.get(i + 1); j++) {
                sampleLocation[j] = locations.find(w.sLocId.get(j));
                if (sampleLocation[j] < 0) {
                    throw new InvalidProfileException("sample " + (i + 1) + " names location "
                            + Long.toUnsignedString(w.sLocId.get(j)) + ", which does not exist");
                }
            }
            int from = (int) w.sLabelStart.get(i), to = (int) w.sLabelStart.get(i + 1);
            if (from == to) {
                sampleLabels[i] = SampleLabels.NONE;
            } else {
                RawLabels raw = new RawLabels(w, from, to);
                SampleLabels l = seenLabels.get(raw);
                if (l == null) {
                    l = labels(from, to);
                    seenLabels.put(raw, l);
                }
                sampleLabels[i] = l;
            }
        }
    }

    /**
     * A merged profile as an input to another merge, with no encoding: google/pprof's Compact is
     * Merge of the one profile in memory, so what the merge holds (labels with an empty value or
     * a zero number, header sums) goes on as it is. With {@code dropLabels}, every sample as if it
     * had no labels.
     */
    static ValidProfile of(MergedProfile m, boolean dropLabels) {
        return new ValidProfile(m, dropLabels);
    }

    private ValidProfile(MergedProfile m, boolean dropLabels) {
        int lines = 0, sampleLocations = 0;
        for (MergedProfile.Location l : m.locations()) {
            lines += l.lines().size();
        }
        for (MergedProfile.Sample s : m.samples()) {
            sampleLocations += s.locations().size();
        }
        int types = m.sampleTypes().size();
        WireProfile t = new WireProfile(m.mappings().size(), m.functions().size(), m.locations().size(), lines,
                m.samples().size(), sampleLocations, m.samples().size() * types);
        this.w = t;
        this.strings = new String[] {""};
        this.sampleTypes = m.sampleTypes();
        this.periodType = m.periodType();
        this.comments = m.comments();
        this.defaultSampleType = m.defaultSampleType();
        this.dropFrames = m.dropFrames();
        this.keepFrames = m.keepFrames();
        t.timeNanos = m.timeNanos();
        t.durationNanos = m.durationNanos();
        t.period = m.period();
        // Merged ids are positions + 1, so a position is id - 1 throughout.
        int mappingCount = m.mappings().size();
        mappingFile = new String[mappingCount];
        mappingBuildId = new String[mappingCount];
        for (int i = 0; i < mappingCount; i++) {
            MergedProfile.Mapping mp = m.mappings().get(i);
            t.mappings++;
            t.mId.add(mp.id());
            t.mStart.add(mp.start());
            t.mLimit.add(mp.limit());
            t.mOffset.add(mp.offset());
            t.mFlags.add((mp.hasFunctions() ? 1 : 0) | (mp.hasFilenames() ? 2 : 0) | (mp.hasLineNumbers() ? 4 : 0)
                    | (mp.hasInlineFrames() ? 8 : 0));
            mappingFile[i] = mp.file();
            mappingBuildId[i] = mp.buildId();
        }
        int functionCount = m.functions().size();
        functionName = new String[functionCount];
        functionSystemName = new String[functionCount];
        functionFile = new String[functionCount];
        for (int i = 0; i < functionCount; i++) {
            MergedProfile.Function f = m.functions().get(i);
            t.functions++;
            t.fId.add(f.id());
            t.fStart.add(f.startLine());
            functionName[i] = f.name();
            functionSystemName[i] = f.systemName();
            functionFile[i] = f.filename();
        }
        locationMapping = new int[m.locations().size()];
        lineFunction = new int[lines];
        int line = 0;
        for (MergedProfile.Location l : m.locations()) {
            locationMapping[t.locations] = l.mapping() == null ? -1 : (int) l.mapping().id() - 1;
            t.locations++;
            t.lId.add(l.id());
            t.lAddress.add(l.address());
            t.lFolded.add(l.folded() ? 1 : 0);
            for (MergedProfile.Line ln : l.lines()) {
                lineFunction[line++] = ln.function() == null ? -1 : (int) ln.function().id() - 1;
                t.lineFunctionId.add(ln.function() == null ? 0 : ln.function().id());
                t.lineNumber.add(ln.line());
                t.lineColumn.add(ln.column());
            }
            t.lineStart.add(t.lineFunctionId.size);
        }
        sampleLocation = new int[sampleLocations];
        sampleLabels = new SampleLabels[m.samples().size()];
        int at = 0;
        for (MergedProfile.Sample s : m.samples()) {
            for (MergedProfile.Location l : s.locations()) {
                sampleLocation[at++] = (int) l.id() - 1;
                t.sLocId.add(l.id());
            }
            for (int v = 0; v < types; v++) {
                t.sValue.add(s.value(v));
            }
            sampleLabels[t.samples++] = dropLabels ? SampleLabels.NONE : s.labels();
            t.sLocStart.add(t.sLocId.size);
            t.sValueStart.add(t.sValue.size);
        }
    }

    /** Decodes and validates in one step. */
    public static ValidProfile parse(byte[] data, DecodeLimits limits) throws InvalidProfileException {
        return fromRaw(ProfileDecoder.inflate(data, limits));
    }

    /** Validates uncompressed protobuf bytes. */
    static ValidProfile fromRaw(byte[] raw) throws InvalidProfileException {
        return new ValidProfile(WireProfile.read(raw));
    }

    /** Validates a profile built with the generated protobuf classes. */
    public static ValidProfile of(Profile p) throws InvalidProfileException {
        return fromRaw(p.toByteArray());
    }

    // Same rule as google/pprof's decoder: a label with a string is a string label, one with a
    // number or unit a numeric label, and one with neither is dropped.
    private SampleLabels labels(int from, int to) throws InvalidProfileException {
        SampleLabels simple = distinctStringLabels(from, to);
        if (simple != null) {
            return simple;
        }
        SampleLabels.Builder b = new SampleLabels.Builder();
        for (int k = from; k < to; k++) {
            String key = str(w.labelKey.get(k), "label key");
            long s = w.labelStr.get(k), num = w.labelNum.get(k), unit = w.labelUnit.get(k);
            if (s != 0) {
                b.addString(key, str(s, "label value"));
            } else if (num != 0 || unit != 0) {
                b.addNumber(key, num, unit != 0 ? str(unit, "label unit") : null);
            }
        }
        return b.build();
    }

    private SampleLabels distinctStringLabels(int from, int to) throws InvalidProfileException {
        String[] keys = new String[to - from], values = new String[to - from];
        for (int k = from; k < to; k++) {
            if (w.labelStr.get(k) == 0) {
                return null;
            }
            keys[k - from] = str(w.labelKey.get(k), "label key");
            values[k - from] = str(w.labelStr.get(k), "label value");
        }
        return SampleLabels.ofDistinctStrings(keys, values);
    }

    /** The label quads of one sample, to decode each distinct label set of a profile once. */
    private static final class RawLabels {
        private final long[] quads;
        private final int hash;

        RawLabels(WireProfile w, int from, int to) {
            quads = new long[(to - from) * 4];
            for (int k = from, j = 0; k < to; k++) {
                quads[j++] = w.labelKey.get(k);
                quads[j++] = w.labelStr.get(k);
                quads[j++] = w.labelNum.get(k);
                quads[j++] = w.labelUnit.get(k);
            }
            hash = Arrays.hashCode(quads);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof RawLabels r && r.hash == hash && Arrays.equals(r.quads, quads);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private String str(long index, String what) throws InvalidProfileException {
        if (index < 0 || index >= strings.length) {
            throw new InvalidProfileException(what + " names string " + index + ", past the end of the string table ("
                    + strings.length + " strings)");
        }
        return strings[(int) index];
    }

    /** About the heap this decoded profile holds (its tables and strings), to bound how many are kept. */
    public long retainedBytes() {
        long chars = 0;
        for (String s : strings) {
            chars += s.length() + 40;
        }
        return chars + 8L * (w.sValue.v.length + w.sLocId.v.length + w.lAddress.v.length * 4 + w.lineFunctionId.v.length * 3
                + w.labelKey.v.length * 4 + w.fId.v.length * 5) + 4L * (sampleLocation.length + lineFunction.length);
    }

    public List<ValueType> sampleTypes() { return sampleTypes; }
    public ValueType periodType() { return periodType; }
    public long period() { return w.period; }
    public long timeNanos() { return w.timeNanos; }
    public long durationNanos() { return w.durationNanos; }
    public int sampleCount() { return w.samples; }

    /** Position of the first negative sample value (all samples' values in a row), or -1 when none is. */
    int firstNegativeValue() {
        WireProfile.Longs values = w.sValue;
        for (int i = 0; i < values.size; i++) {
            if (values.get(i) < 0) {
                return i;
            }
        }
        return -1;
    }

    long value(int position) {
        return w.sValue.get(position);
    }

    /** The sample (1-based, as in messages) that holds the value at {@code position}. */
    int sampleOfValue(int position) {
        int s = 0;
        while (w.sValueStart.get(s + 1) <= position) {
            s++;
        }
        return s + 1;
    }

    /** Sum of sample type {@code index} over all samples. */
    public long total(int index) {
        long sum = 0;
        int types = sampleTypes.size();
        for (int i = 0; i < w.samples; i++) {
            sum += w.sValue.get(i * types + index);
        }
        return sum;
    }
}
