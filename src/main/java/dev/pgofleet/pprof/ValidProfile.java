package dev.pgofleet.pprof;

import dev.pgofleet.pprof.proto.ProfileProto;
import dev.pgofleet.pprof.proto.ProfileProto.Profile;
import java.util.ArrayList;
import java.util.List;

/**
 * A decoded profile that passed google/pprof's checks (Parse + CheckValid), with every reference
 * resolved to a table position so that merging never looks an id up again.
 */
public final class ValidProfile {
    final Profile proto;
    final String[] strings;
    final List<ValueType> sampleTypes;
    final ValueType periodType;
    final List<String> comments;
    final String defaultSampleType, dropFrames, keepFrames;
    final String[] mappingFile, mappingBuildId;
    final String[] functionName, functionSystemName, functionFile;
    /** Per location: its mapping's position, or -1 when it has none (or names an unknown one, as in google/pprof). */
    final int[] locationMapping;
    /** Per location and line: the function's position, or -1 for a line without a function. */
    final int[][] lineFunction;
    /** Per sample: the positions of its locations, leaf first. */
    final int[][] sampleLocations;
    final SampleLabels[] sampleLabels;

    private ValidProfile(Profile p) throws InvalidProfileException {
        this.proto = p;
        this.strings = p.getStringTableList().toArray(String[]::new);
        if (strings.length == 0) {
            throw new InvalidProfileException("string table is empty: not a pprof profile");
        }
        if (!strings[0].isEmpty()) {
            throw new InvalidProfileException("string_table[0] must be empty");
        }
        List<ValueType> types = new ArrayList<>(p.getSampleTypeCount());
        for (ProfileProto.ValueType vt : p.getSampleTypeList()) {
            types.add(valueType(vt, "sample type"));
        }
        this.sampleTypes = List.copyOf(types);
        this.periodType = valueType(p.getPeriodType(), "period type");
        List<String> cs = new ArrayList<>(p.getCommentCount());
        for (long c : p.getCommentList()) {
            cs.add(str(c, "comment"));
        }
        this.comments = List.copyOf(cs);
        this.defaultSampleType = str(p.getDefaultSampleType(), "default sample type");
        this.dropFrames = str(p.getDropFrames(), "drop_frames");
        this.keepFrames = str(p.getKeepFrames(), "keep_frames");
        if (p.getDurationNanos() < 0) {
            throw new InvalidProfileException("negative duration_nanos " + p.getDurationNanos());
        }

        int nm = p.getMappingCount();
        mappingFile = new String[nm];
        mappingBuildId = new String[nm];
        long[] mappingIds = new long[nm];
        for (int i = 0; i < nm; i++) {
            ProfileProto.Mapping m = p.getMapping(i);
            mappingIds[i] = m.getId();
            mappingFile[i] = str(m.getFilename(), "mapping file name");
            mappingBuildId[i] = str(m.getBuildId(), "mapping build id");
        }
        IdIndex mappings = IdIndex.of("mapping", mappingIds);

        int nf = p.getFunctionCount();
        functionName = new String[nf];
        functionSystemName = new String[nf];
        functionFile = new String[nf];
        long[] functionIds = new long[nf];
        for (int i = 0; i < nf; i++) {
            ProfileProto.Function f = p.getFunction(i);
            functionIds[i] = f.getId();
            functionName[i] = str(f.getName(), "function name");
            functionSystemName[i] = str(f.getSystemName(), "function system name");
            functionFile[i] = str(f.getFilename(), "function file name");
        }
        IdIndex functions = IdIndex.of("function", functionIds);

        int nl = p.getLocationCount();
        locationMapping = new int[nl];
        lineFunction = new int[nl][];
        long[] locationIds = new long[nl];
        for (int i = 0; i < nl; i++) {
            ProfileProto.Location l = p.getLocation(i);
            locationIds[i] = l.getId();
            locationMapping[i] = l.getMappingId() == 0 ? -1 : mappings.find(l.getMappingId());
            int[] fs = new int[l.getLineCount()];
            for (int j = 0; j < fs.length; j++) {
                long fid = l.getLine(j).getFunctionId();
                fs[j] = fid == 0 ? -1 : functions.find(fid);
                if (fs[j] < 0 && fid != 0) {
                    throw new InvalidProfileException("location " + Long.toUnsignedString(l.getId())
                            + " names function " + Long.toUnsignedString(fid) + ", which does not exist");
                }
            }
            lineFunction[i] = fs;
        }
        IdIndex locations = IdIndex.of("location", locationIds);

        int ns = p.getSampleCount();
        if (ns > 0 && sampleTypes.isEmpty()) {
            throw new InvalidProfileException("profile has samples but no sample types");
        }
        sampleLocations = new int[ns][];
        sampleLabels = new SampleLabels[ns];
        for (int i = 0; i < ns; i++) {
            ProfileProto.Sample s = p.getSample(i);
            if (s.getValueCount() != sampleTypes.size()) {
                throw new InvalidProfileException("sample " + (i + 1) + " has " + s.getValueCount() + " value"
                        + (s.getValueCount() == 1 ? "" : "s") + ", profile has " + sampleTypes.size() + " sample types");
            }
            int[] locs = new int[s.getLocationIdCount()];
            for (int j = 0; j < locs.length; j++) {
                locs[j] = locations.find(s.getLocationId(j));
                if (locs[j] < 0) {
                    throw new InvalidProfileException("sample " + (i + 1) + " names location "
                            + Long.toUnsignedString(s.getLocationId(j)) + ", which does not exist");
                }
            }
            sampleLocations[i] = locs;
            sampleLabels[i] = s.getLabelCount() == 0 ? SampleLabels.NONE : labels(s);
        }
    }

    /** Runs every structural check; the result is safe to merge. */
    public static ValidProfile of(Profile p) throws InvalidProfileException {
        return new ValidProfile(p);
    }

    /** Decodes and validates in one step. */
    public static ValidProfile parse(byte[] data, DecodeLimits limits) throws InvalidProfileException {
        return of(ProfileDecoder.decode(data, limits));
    }

    // Same rule as google/pprof's decoder: a label with a string is a string label, one with a
    // number or unit a numeric label, and one with neither is dropped.
    private SampleLabels labels(ProfileProto.Sample s) throws InvalidProfileException {
        SampleLabels.Builder b = new SampleLabels.Builder();
        for (ProfileProto.Label l : s.getLabelList()) {
            String key = str(l.getKey(), "label key");
            if (l.getStr() != 0) {
                b.addString(key, str(l.getStr(), "label value"));
            } else if (l.getNum() != 0 || l.getNumUnit() != 0) {
                b.addNumber(key, l.getNum(), l.getNumUnit() != 0 ? str(l.getNumUnit(), "label unit") : null);
            }
        }
        return b.build();
    }

    private ValueType valueType(ProfileProto.ValueType vt, String what) throws InvalidProfileException {
        return new ValueType(str(vt.getType(), what), str(vt.getUnit(), what));
    }

    private String str(long index, String what) throws InvalidProfileException {
        if (index < 0 || index >= strings.length) {
            throw new InvalidProfileException(what + " names string " + index + ", past the end of the string table ("
                    + strings.length + " strings)");
        }
        return strings[(int) index];
    }

    public List<ValueType> sampleTypes() { return sampleTypes; }
    public ValueType periodType() { return periodType; }
    public long period() { return proto.getPeriod(); }
    public long timeNanos() { return proto.getTimeNanos(); }
    public long durationNanos() { return proto.getDurationNanos(); }
    public int sampleCount() { return sampleLocations.length; }

    /** Sum of sample type {@code index} over all samples. */
    public long total(int index) {
        long sum = 0;
        for (ProfileProto.Sample s : proto.getSampleList()) {
            sum += s.getValue(index);
        }
        return sum;
    }
}
