package dev.pgofleet.pprof;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The tables of a pprof protobuf, read straight from the wire into primitive arrays (no message
 * objects), with the rules of google/pprof's decoder (proto.go, encode.go) rather than protobuf's:
 * packed or unpacked repeated fields; a field without a decoder entry (number 0, unknown, or past
 * protobuf's range) skipped; a repeated scalar keeps the last value, except a second non-zero
 * {@code time_nanos} (Go's "concatenated profiles"); a second {@code period_type} message replaces
 * the first; a known field with the wrong wire type refused. Strings are bytes: each is decoded as
 * ISO-8859-1, one char per byte, so any bytes survive to the output unchanged and Java's natural
 * String order is Go's byte order. {@link ValidProfile} checks the references.
 */
final class WireProfile {
    private static final int VARINT = WireReader.VARINT, LEN = WireReader.LEN;

    String[] strings = new String[0];
    long timeNanos, durationNanos, period, dropX, keepX, defaultX, periodTypeX, periodUnitX;
    boolean hasPeriodType;
    final Longs sampleTypeX = new Longs(4), commentX = new Longs(4);

    // Tables start at a size guessed from the input length (a location takes ~20 bytes on the
    // wire, a line ~8), so that a typical profile fills them without regrowing.
    int mappings;
    final Longs mId, mStart, mLimit, mOffset, mFileX, mBuildX, mFlags;

    int functions;
    final Longs fId, fNameX, fSysX, fFileX, fStart;

    int locations;
    final Longs lId, lMappingId, lAddress, lFolded;
    /** Lines of location i are [lineStart[i], lineStart[i+1]). */
    final Longs lineStart, lineFunctionId, lineNumber, lineColumn;

    int samples;
    /** Per sample, ranges into the flat arrays: [start[i], start[i+1]). */
    final Longs sLocStart, sLocId, sValueStart, sValue;
    final Longs sLabelStart, labelKey, labelStr, labelNum, labelUnit;

    // Field numbers of the Profile message, as in profile.proto and google/pprof's profileDecoder.
    static final int SAMPLE_TYPE = 1, SAMPLE = 2, MAPPING = 3, LOCATION = 4, FUNCTION = 5, STRING_TABLE = 6,
            DROP_FRAMES = 7, KEEP_FRAMES = 8, TIME_NANOS = 9, DURATION_NANOS = 10, PERIOD_TYPE = 11, PERIOD = 12,
            COMMENT = 13, DEFAULT_SAMPLE_TYPE = 14;
    // Sample, Label, Mapping, Location, Line, Function and ValueType fields.
    static final int SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2, SAMPLE_LABEL = 3;
    static final int LABEL_KEY = 1, LABEL_STR = 2, LABEL_NUM = 3, LABEL_NUM_UNIT = 4;
    static final int MAPPING_ID = 1, MAPPING_START = 2, MAPPING_LIMIT = 3, MAPPING_OFFSET = 4, MAPPING_FILENAME = 5,
            MAPPING_BUILD_ID = 6, MAPPING_HAS_FUNCTIONS = 7, MAPPING_HAS_INLINE_FRAMES = 10;
    static final int LOCATION_ID = 1, LOCATION_MAPPING_ID = 2, LOCATION_ADDRESS = 3, LOCATION_LINE = 4,
            LOCATION_IS_FOLDED = 5;
    static final int LINE_FUNCTION_ID = 1, LINE_LINE = 2, LINE_COLUMN = 3;
    static final int FUNCTION_ID = 1, FUNCTION_NAME = 2, FUNCTION_SYSTEM_NAME = 3, FUNCTION_FILENAME = 4,
            FUNCTION_START_LINE = 5;
    static final int VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT = 2;

    private final WireReader in;
    private final Strings stringTable;

    /** Empty tables of the given sizes, filled by the caller (a merged profile taken as an input). */
    WireProfile(int mp, int fn, int loc, int line, int smp, int sampleLocations, int values) {
        in = null;
        stringTable = null;
        mId = new Longs(mp); mStart = new Longs(mp); mLimit = new Longs(mp); mOffset = new Longs(mp);
        mFileX = new Longs(mp); mBuildX = new Longs(mp); mFlags = new Longs(mp);
        fId = new Longs(fn); fNameX = new Longs(fn); fSysX = new Longs(fn); fFileX = new Longs(fn); fStart = new Longs(fn);
        lId = new Longs(loc); lMappingId = new Longs(loc); lAddress = new Longs(loc); lFolded = new Longs(loc);
        lineStart = new Longs(loc + 1); lineFunctionId = new Longs(line); lineNumber = new Longs(line); lineColumn = new Longs(line);
        sLocStart = new Longs(smp + 1); sLocId = new Longs(sampleLocations); sValueStart = new Longs(smp + 1);
        sValue = new Longs(values);
        sLabelStart = new Longs(1); labelKey = new Longs(1); labelStr = new Longs(1); labelNum = new Longs(1); labelUnit = new Longs(1);
        lineStart.add(0);
        sLocStart.add(0);
        sValueStart.add(0);
        sLabelStart.add(0);
    }

    private WireProfile(byte[] raw) {
        this.in = new WireReader(raw);
        // Tables start at the sizes a first pass over the top-level fields counts, so that they
        // are neither regrown nor much larger than the profile (zeroing them is not free).
        TopLevelCounts n = TopLevelCounts.of(raw);
        int mp = n.count[MAPPING] + 1, fn = n.count[FUNCTION] + 1, loc = n.count[LOCATION] + 1, smp = n.count[SAMPLE] + 1;
        mId = new Longs(mp); mStart = new Longs(mp); mLimit = new Longs(mp); mOffset = new Longs(mp);
        mFileX = new Longs(mp); mBuildX = new Longs(mp); mFlags = new Longs(mp);
        fId = new Longs(fn); fNameX = new Longs(fn); fSysX = new Longs(fn); fFileX = new Longs(fn); fStart = new Longs(fn);
        int line = loc + loc / 4 + 16;
        lId = new Longs(loc); lMappingId = new Longs(loc); lAddress = new Longs(loc); lFolded = new Longs(loc);
        lineStart = new Longs(loc); lineFunctionId = new Longs(line); lineNumber = new Longs(line); lineColumn = new Longs(line);
        int label = 16; // many profiles have no labels; those that do regrow a few times
        sLocStart = new Longs(smp); sLocId = new Longs(n.sampleBytes / 2 + 16); sValueStart = new Longs(smp);
        sValue = new Longs((int) Math.min((long) smp * Math.max(1, n.count[SAMPLE_TYPE]), n.sampleBytes) + 16); // a value takes a byte at least
        sLabelStart = new Longs(smp); labelKey = new Longs(label); labelStr = new Longs(label); labelNum = new Longs(label);
        labelUnit = new Longs(label);
        stringTable = new Strings(n.count[STRING_TABLE] + 1);
        lineStart.add(0);
        sLocStart.add(0);
        sValueStart.add(0);
        sLabelStart.add(0);
    }

    /** How many of each top-level field (1 to 6) a profile holds, and the bytes of its samples. */
    private static final class TopLevelCounts {
        final int[] count = new int[7];
        int sampleBytes;

        /** Counts up to the first malformed byte; the real pass reports that. */
        static TopLevelCounts of(byte[] raw) {
            TopLevelCounts c = new TopLevelCounts();
            WireReader r = new WireReader(raw);
            try {
                while (r.pos < raw.length) {
                    long tag = r.tag(raw.length);
                    int field = WireReader.field(tag), wire = (int) (tag & 7);
                    int from = r.pos;
                    r.skip(wire, raw.length);
                    if (field >= 0 && field < c.count.length) {
                        c.count[field]++;
                    }
                    if (field == SAMPLE) {
                        c.sampleBytes += r.pos - from;
                    }
                }
            } catch (WireReader.Malformed e) {
                // counted as far as the profile is readable
            }
            return c;
        }
    }

    static WireProfile read(byte[] raw) throws InvalidProfileException {
        WireProfile p = new WireProfile(raw);
        try {
            p.profile(raw.length);
        } catch (WireReader.Malformed e) {
            if (LegacyCpuProfile.looksLike(raw)) {
                throw new InvalidProfileException(LegacyCpuProfile.REFUSAL);
            }
            throw new InvalidProfileException("not a pprof profile: malformed protobuf");
        }
        p.strings = p.stringTable.decode(raw);
        return p;
    }

    private static InvalidProfileException wrongType(String what) {
        return new InvalidProfileException("not a pprof profile: " + what + " has the wrong wire type");
    }

    private void profile(int end) throws InvalidProfileException {
        while (in.pos < end) {
            long tag = in.tag(end);
            int field = WireReader.field(tag), wire = (int) (tag & 7);
            switch (field) {
                case SAMPLE_TYPE -> valueType(expect(wire, LEN, "sample_type"), sampleTypeX);
                case SAMPLE -> sample(expect(wire, LEN, "sample"));
                case MAPPING -> mapping(expect(wire, LEN, "mapping"));
                case LOCATION -> location(expect(wire, LEN, "location"));
                case FUNCTION -> function(expect(wire, LEN, "function"));
                case STRING_TABLE -> stringTable.add(in, expect(wire, LEN, "string_table"));
                case DROP_FRAMES -> dropX = scalar(wire, end, "drop_frames");
                case KEEP_FRAMES -> keepX = scalar(wire, end, "keep_frames");
                case TIME_NANOS -> {
                    // Go's one exception to "the last value wins": two profiles glued together.
                    if (timeNanos != 0) {
                        throw new InvalidProfileException("concatenated profiles detected: a second time_nanos");
                    }
                    timeNanos = scalar(wire, end, "time_nanos");
                }
                case DURATION_NANOS -> durationNanos = scalar(wire, end, "duration_nanos");
                case PERIOD_TYPE -> periodType(expect(wire, LEN, "period_type"));
                case PERIOD -> period = scalar(wire, end, "period");
                case COMMENT -> repeated(wire, end, commentX, "comment");
                case DEFAULT_SAMPLE_TYPE -> defaultX = scalar(wire, end, "default_sample_type");
                default -> in.skip(wire, end);
            }
        }
    }

    private int expect(int wire, int expected, String what) throws InvalidProfileException {
        if (wire != expected) {
            throw wrongType(what);
        }
        return in.lengthEnd(in.buf.length);
    }

    private long scalar(int wire, int end, String what) throws InvalidProfileException {
        if (wire != VARINT) {
            throw wrongType(what);
        }
        return in.varint(end);
    }

    private void repeated(int wire, int end, Longs into, String what) throws InvalidProfileException {
        if (wire == VARINT) {
            into.add(in.varint(end));
        } else if (wire == LEN) {
            into.addPacked(in, in.lengthEnd(end));
        } else {
            throw wrongType(what);
        }
    }

    private void valueType(int end, Longs into) throws InvalidProfileException {
        long type = 0, unit = 0;
        while (in.pos < end) {
            long tag = in.tag(end);
            int f = WireReader.field(tag), wire = (int) (tag & 7);
            if (f == VALUE_TYPE_TYPE) {
                type = scalar(wire, end, "value type");
            } else if (f == VALUE_TYPE_UNIT) {
                unit = scalar(wire, end, "value type");
            } else {
                in.skip(wire, end);
            }
        }
        into.add(type);
        into.add(unit);
    }

    // A second period_type message replaces the first, as Go's decoder allocates a new one.
    private void periodType(int end) throws InvalidProfileException {
        hasPeriodType = true;
        periodTypeX = 0;
        periodUnitX = 0;
        while (in.pos < end) {
            long tag = in.tag(end);
            int f = WireReader.field(tag), wire = (int) (tag & 7);
            if (f == VALUE_TYPE_TYPE) {
                periodTypeX = scalar(wire, end, "period_type");
            } else if (f == VALUE_TYPE_UNIT) {
                periodUnitX = scalar(wire, end, "period_type");
            } else {
                in.skip(wire, end);
            }
        }
    }

    private void sample(int end) throws InvalidProfileException {
        while (in.pos < end) {
            long tag = in.tag(end);
            int f = WireReader.field(tag), wire = (int) (tag & 7);
            switch (f) {
                case SAMPLE_LOCATION_ID -> repeated(wire, end, sLocId, "sample location_id");
                case SAMPLE_VALUE -> repeated(wire, end, sValue, "sample value");
                case SAMPLE_LABEL -> label(expectIn(wire, end, "label"));
                default -> in.skip(wire, end);
            }
        }
        samples++;
        sLocStart.add(sLocId.size);
        sValueStart.add(sValue.size);
        sLabelStart.add(labelKey.size);
    }

    private int expectIn(int wire, int parentEnd, String what) throws InvalidProfileException {
        if (wire != LEN) {
            throw wrongType(what);
        }
        return in.lengthEnd(parentEnd);
    }

    private void label(int end) throws InvalidProfileException {
        long key = 0, str = 0, num = 0, unit = 0;
        while (in.pos < end) {
            long tag = in.tag(end);
            int f = WireReader.field(tag), wire = (int) (tag & 7);
            switch (f) {
                case LABEL_KEY -> key = scalar(wire, end, "label");
                case LABEL_STR -> str = scalar(wire, end, "label");
                case LABEL_NUM -> num = scalar(wire, end, "label");
                case LABEL_NUM_UNIT -> unit = scalar(wire, end, "label");
                default -> in.skip(wire, end);
            }
        }
        labelKey.add(key);
        labelStr.add(str);
        labelNum.add(num);
        labelUnit.add(unit);
    }

    private void mapping(int end) throws InvalidProfileException {
        long id = 0, start = 0, limit = 0, offset = 0, file = 0, build = 0, flags = 0;
        while (in.pos < end) {
            long tag = in.tag(end);
            int f = WireReader.field(tag), wire = (int) (tag & 7);
            if (f < MAPPING_ID || f > MAPPING_HAS_INLINE_FRAMES) {
                in.skip(wire, end);
                continue;
            }
            long v = scalar(wire, end, "mapping");
            switch (f) {
                case MAPPING_ID -> id = v;
                case MAPPING_START -> start = v;
                case MAPPING_LIMIT -> limit = v;
                case MAPPING_OFFSET -> offset = v;
                case MAPPING_FILENAME -> file = v;
                case MAPPING_BUILD_ID -> build = v;
                // has_functions, has_filenames, has_line_numbers, has_inline_frames: bits 0 to 3
                default -> flags = v != 0 ? flags | 1L << (f - MAPPING_HAS_FUNCTIONS) : flags & ~(1L << (f - MAPPING_HAS_FUNCTIONS));
            }
        }
        mappings++;
        mId.add(id);
        mStart.add(start);
        mLimit.add(limit);
        mOffset.add(offset);
        mFileX.add(file);
        mBuildX.add(build);
        mFlags.add(flags);
    }

    private void location(int end) throws InvalidProfileException {
        long id = 0, mapping = 0, address = 0, folded = 0;
        while (in.pos < end) {
            long tag = in.tag(end);
            int f = WireReader.field(tag), wire = (int) (tag & 7);
            switch (f) {
                case LOCATION_ID -> id = scalar(wire, end, "location");
                case LOCATION_MAPPING_ID -> mapping = scalar(wire, end, "location");
                case LOCATION_ADDRESS -> address = scalar(wire, end, "location");
                case LOCATION_LINE -> line(expectIn(wire, end, "line"));
                case LOCATION_IS_FOLDED -> folded = scalar(wire, end, "location");
                default -> in.skip(wire, end);
            }
        }
        locations++;
        lId.add(id);
        lMappingId.add(mapping);
        lAddress.add(address);
        lFolded.add(folded);
        lineStart.add(lineFunctionId.size);
    }

    private void line(int end) throws InvalidProfileException {
        long function = 0, number = 0, column = 0;
        while (in.pos < end) {
            long tag = in.tag(end);
            int f = WireReader.field(tag), wire = (int) (tag & 7);
            switch (f) {
                case LINE_FUNCTION_ID -> function = scalar(wire, end, "line");
                case LINE_LINE -> number = scalar(wire, end, "line");
                case LINE_COLUMN -> column = scalar(wire, end, "line");
                default -> in.skip(wire, end);
            }
        }
        lineFunctionId.add(function);
        lineNumber.add(number);
        lineColumn.add(column);
    }

    private void function(int end) throws InvalidProfileException {
        long id = 0, name = 0, sys = 0, file = 0, start = 0;
        while (in.pos < end) {
            long tag = in.tag(end);
            int f = WireReader.field(tag), wire = (int) (tag & 7);
            switch (f) {
                case FUNCTION_ID -> id = scalar(wire, end, "function");
                case FUNCTION_NAME -> name = scalar(wire, end, "function");
                case FUNCTION_SYSTEM_NAME -> sys = scalar(wire, end, "function");
                case FUNCTION_FILENAME -> file = scalar(wire, end, "function");
                case FUNCTION_START_LINE -> start = scalar(wire, end, "function");
                default -> in.skip(wire, end);
            }
        }
        functions++;
        fId.add(id);
        fNameX.add(name);
        fSysX.add(sys);
        fFileX.add(file);
        fStart.add(start);
    }

    /** The string table as byte ranges, decoded at the end, one char per byte. */
    private static final class Strings {
        private int[] offsets, lengths;
        private int size;

        Strings(int capacity) {
            offsets = new int[capacity];
            lengths = new int[capacity];
        }

        void add(WireReader in, int end) {
            if (size == offsets.length) {
                offsets = Arrays.copyOf(offsets, Math.max(16, size * 2));
                lengths = Arrays.copyOf(lengths, Math.max(16, size * 2));
            }
            offsets[size] = in.pos;
            lengths[size++] = end - in.pos;
            in.pos = end;
        }

        String[] decode(byte[] raw) {
            String[] out = new String[size];
            for (int i = 0; i < size; i++) {
                out[i] = new String(raw, offsets[i], lengths[i], StandardCharsets.ISO_8859_1);
            }
            return out;
        }
    }

    /** A growable long array. */
    static final class Longs {
        long[] v;
        int size;

        Longs(int capacity) {
            v = new long[Math.max(1, capacity)];
        }

        void add(long x) {
            if (size == v.length) {
                v = Arrays.copyOf(v, Math.max(16, size * 2));
            }
            v[size++] = x;
        }

        /** Adds the packed varints up to {@code end}, in a loop that keeps the array and position in locals. */
        void addPacked(WireReader in, int end) {
            byte[] buf = in.buf;
            long[] a = v;
            int n = size, p = in.pos;
            while (p < end) {
                if (n == a.length) {
                    a = Arrays.copyOf(a, Math.max(16, n * 2));
                }
                byte b = buf[p];
                if (b >= 0) {
                    a[n++] = b;
                    p++;
                } else {
                    in.pos = p;
                    a[n++] = in.varint(end);
                    p = in.pos;
                }
            }
            v = a;
            size = n;
            in.pos = p;
        }

        long get(int i) {
            return v[i];
        }
    }
}
