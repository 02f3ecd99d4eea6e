package dev.pgofleet.pprof;

import com.google.protobuf.UnsafeByteOperations;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The tables of a pprof protobuf, read straight from the wire into primitive arrays (no message
 * objects). Protobuf's rules apply: packed or unpacked repeated fields, unknown fields skipped,
 * the last value of a singular field wins, UTF-8 strings. Stricter than protobuf where google/pprof
 * is: a known field with the wrong wire type is refused. {@link ValidProfile} checks the references.
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

    private final WireReader in;
    private final Strings stringTable;
    private boolean time, duration, periodSeen;

    private WireProfile(byte[] raw) {
        this.in = new WireReader(raw);
        // Tables start at the sizes a first pass over the top-level fields counts, so that they
        // are neither regrown nor much larger than the profile (zeroing them is not free).
        TopLevelCounts n = TopLevelCounts.of(raw);
        int mp = n.count[3] + 1, fn = n.count[5] + 1, loc = n.count[4] + 1, smp = n.count[2] + 1;
        mId = new Longs(mp); mStart = new Longs(mp); mLimit = new Longs(mp); mOffset = new Longs(mp);
        mFileX = new Longs(mp); mBuildX = new Longs(mp); mFlags = new Longs(mp);
        fId = new Longs(fn); fNameX = new Longs(fn); fSysX = new Longs(fn); fFileX = new Longs(fn); fStart = new Longs(fn);
        int line = loc + loc / 4 + 16;
        lId = new Longs(loc); lMappingId = new Longs(loc); lAddress = new Longs(loc); lFolded = new Longs(loc);
        lineStart = new Longs(loc); lineFunctionId = new Longs(line); lineNumber = new Longs(line); lineColumn = new Longs(line);
        int label = smp / 2 + 16;
        sLocStart = new Longs(smp); sLocId = new Longs(n.sampleBytes / 2 + 16); sValueStart = new Longs(smp);
        sValue = new Longs((int) Math.min((long) smp * Math.max(1, n.count[1]), n.sampleBytes) + 16); // a value takes a byte at least
        sLabelStart = new Longs(smp); labelKey = new Longs(label); labelStr = new Longs(label); labelNum = new Longs(label);
        labelUnit = new Longs(label);
        stringTable = new Strings(n.count[6] + 1);
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
                    int field = (int) (tag >>> 3), wire = (int) (tag & 7);
                    int from = r.pos;
                    r.skip(wire, raw.length);
                    if (field < c.count.length) {
                        c.count[field]++;
                    }
                    if (field == 2) {
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
            int field = (int) (tag >>> 3), wire = (int) (tag & 7);
            switch (field) {
                case 1 -> valueType(expect(wire, LEN, "sample_type"), sampleTypeX);
                case 2 -> sample(expect(wire, LEN, "sample"));
                case 3 -> mapping(expect(wire, LEN, "mapping"));
                case 4 -> location(expect(wire, LEN, "location"));
                case 5 -> function(expect(wire, LEN, "function"));
                case 6 -> stringTable.add(in, expect(wire, LEN, "string_table"));
                case 7 -> dropX = scalar(wire, end, "drop_frames");
                case 8 -> keepX = scalar(wire, end, "keep_frames");
                case 9 -> {
                    time = once(time, 9);
                    timeNanos = scalar(wire, end, "time_nanos");
                }
                case 10 -> {
                    duration = once(duration, 10);
                    durationNanos = scalar(wire, end, "duration_nanos");
                }
                case 11 -> periodType(expect(wire, LEN, "period_type"));
                case 12 -> {
                    periodSeen = once(periodSeen, 12);
                    period = scalar(wire, end, "period");
                }
                case 13 -> repeated(wire, end, commentX, "comment");
                case 14 -> defaultX = scalar(wire, end, "default_sample_type");
                default -> in.skip(wire, end);
            }
        }
    }

    /** Writers never repeat a scalar: a second one means two profiles glued together. */
    private static boolean once(boolean seen, int field) throws InvalidProfileException {
        if (seen) {
            throw new InvalidProfileException("concatenated profiles detected: field " + field + " appears twice");
        }
        return true;
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
            int e = in.lengthEnd(end);
            while (in.pos < e) {
                into.add(in.varint(e));
            }
        } else {
            throw wrongType(what);
        }
    }

    private void valueType(int end, Longs into) throws InvalidProfileException {
        long type = 0, unit = 0;
        while (in.pos < end) {
            long tag = in.tag(end);
            int f = (int) (tag >>> 3), wire = (int) (tag & 7);
            if (f == 1) {
                type = scalar(wire, end, "value type");
            } else if (f == 2) {
                unit = scalar(wire, end, "value type");
            } else {
                in.skip(wire, end);
            }
        }
        into.add(type);
        into.add(unit);
    }

    // A message field seen twice is merged by protobuf: fields present later win.
    private void periodType(int end) throws InvalidProfileException {
        hasPeriodType = true;
        while (in.pos < end) {
            long tag = in.tag(end);
            int f = (int) (tag >>> 3), wire = (int) (tag & 7);
            if (f == 1) {
                periodTypeX = scalar(wire, end, "period_type");
            } else if (f == 2) {
                periodUnitX = scalar(wire, end, "period_type");
            } else {
                in.skip(wire, end);
            }
        }
    }

    private void sample(int end) throws InvalidProfileException {
        while (in.pos < end) {
            long tag = in.tag(end);
            int f = (int) (tag >>> 3), wire = (int) (tag & 7);
            switch (f) {
                case 1 -> repeated(wire, end, sLocId, "sample location_id");
                case 2 -> repeated(wire, end, sValue, "sample value");
                case 3 -> label(expectIn(wire, end, "label"));
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
            int f = (int) (tag >>> 3), wire = (int) (tag & 7);
            switch (f) {
                case 1 -> key = scalar(wire, end, "label");
                case 2 -> str = scalar(wire, end, "label");
                case 3 -> num = scalar(wire, end, "label");
                case 4 -> unit = scalar(wire, end, "label");
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
            int f = (int) (tag >>> 3), wire = (int) (tag & 7);
            if (f < 1 || f > 10) {
                in.skip(wire, end);
                continue;
            }
            long v = scalar(wire, end, "mapping");
            switch (f) {
                case 1 -> id = v;
                case 2 -> start = v;
                case 3 -> limit = v;
                case 4 -> offset = v;
                case 5 -> file = v;
                case 6 -> build = v;
                default -> flags = v != 0 ? flags | 1L << (f - 7) : flags & ~(1L << (f - 7));
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
            int f = (int) (tag >>> 3), wire = (int) (tag & 7);
            switch (f) {
                case 1 -> id = scalar(wire, end, "location");
                case 2 -> mapping = scalar(wire, end, "location");
                case 3 -> address = scalar(wire, end, "location");
                case 4 -> line(expectIn(wire, end, "line"));
                case 5 -> folded = scalar(wire, end, "location");
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
            int f = (int) (tag >>> 3), wire = (int) (tag & 7);
            switch (f) {
                case 1 -> function = scalar(wire, end, "line");
                case 2 -> number = scalar(wire, end, "line");
                case 3 -> column = scalar(wire, end, "line");
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
            int f = (int) (tag >>> 3), wire = (int) (tag & 7);
            switch (f) {
                case 1 -> id = scalar(wire, end, "function");
                case 2 -> name = scalar(wire, end, "function");
                case 3 -> sys = scalar(wire, end, "function");
                case 4 -> file = scalar(wire, end, "function");
                case 5 -> start = scalar(wire, end, "function");
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

    /** The string table as byte ranges, decoded at the end (ASCII, the usual case, without a UTF-8 pass). */
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

        String[] decode(byte[] raw) throws InvalidProfileException {
            String[] out = new String[size];
            for (int i = 0; i < size; i++) {
                int off = offsets[i], len = lengths[i];
                boolean ascii = true;
                for (int j = off; j < off + len && ascii; j++) {
                    ascii = raw[j] >= 0;
                }
                if (ascii) {
                    out[i] = new String(raw, off, len, StandardCharsets.ISO_8859_1);
                } else if (UnsafeByteOperations.unsafeWrap(raw, off, len).isValidUtf8()) {
                    out[i] = new String(raw, off, len, StandardCharsets.UTF_8);
                } else {
                    throw new InvalidProfileException("string " + i + " of the string table is not valid UTF-8");
                }
            }
            return out;
        }
    }

    /** A growable long array. */
    static final class Longs {
        long[] v;
        int size;

        Longs(int capacity) {
            v = new long[capacity];
        }

        void add(long x) {
            if (size == v.length) {
                v = Arrays.copyOf(v, Math.max(16, size * 2));
            }
            v[size++] = x;
        }

        long get(int i) {
            return v[i];
        }
    }
}
