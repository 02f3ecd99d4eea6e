package dev.pgofleet.pprof;

import java.util.List;

/**
 * The result of a merge, with google/pprof's numbering: ids are positions + 1, in the order the
 * merge first reached each object. {@link ProfileWriter} encodes it byte for byte as Go would.
 */
public record MergedProfile(
        List<ValueType> sampleTypes,
        ValueType periodType,
        long period,
        long timeNanos,
        long durationNanos,
        List<String> comments,
        String defaultSampleType,
        String dropFrames,
        String keepFrames,
        List<Mapping> mappings,
        List<Location> locations,
        List<Function> functions,
        List<Sample> samples) {

    public record Mapping(long id, long start, long limit, long offset, String file, String buildId,
                          boolean hasFunctions, boolean hasFilenames, boolean hasLineNumbers, boolean hasInlineFrames) {}

    public record Function(long id, String name, String systemName, String filename, long startLine) {}

    /** One frame of a location; {@code function} is null for a line without one. */
    public record Line(Function function, long line, long column) {}

    public record Location(long id, Mapping mapping, long address, List<Line> lines, boolean folded) {}

    /** A sample; {@code values} is summed in place while merging, so it is not exposed. */
    public static final class Sample {
        private final List<Location> locations;
        final long[] values;
        private final SampleLabels labels;

        Sample(List<Location> locations, long[] values, SampleLabels labels) {
            this.locations = locations;
            this.values = values;
            this.labels = labels;
        }

        public List<Location> locations() { return locations; }
        public long value(int i) { return values[i]; }
        public int valueCount() { return values.length; }
        public SampleLabels labels() { return labels; }

        boolean isZero() {
            for (long v : values) {
                if (v != 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The PGO-minimal form: every label removed and the samples that become identical combined.
     * The Go compiler ignores labels, so its decisions do not change while the file shrinks.
     */
    public MergedProfile withoutLabels() throws InvalidProfileException {
        return ProfileMerger.compact(this, true);
    }

    /** Sum of sample type {@code index} over all samples. */
    public long total(int index) {
        long sum = 0;
        for (Sample s : samples) {
            sum += s.values[index];
        }
        return sum;
    }
}
