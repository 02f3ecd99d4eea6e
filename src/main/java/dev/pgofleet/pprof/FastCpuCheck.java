package dev.pgofleet.pprof;

import com.google.protobuf.UnsafeByteOperations;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The submit path's quick answer to "is this a valid Go CPU profile?": one pass over the protobuf
 * bytes with no object graph, checking what {@link ValidProfile} and {@link CpuProfileCheck} check.
 * It only ever says "yes" when it is sure; anything unusual (a wire type it does not expect, a
 * message that appears twice where it should appear once, any failed check) answers "not sure",
 * and the full validation decides and gives the precise reason. So it never accepts what the full
 * validation (which merges use) would refuse; ProfileFuzzTest checks exactly that.
 */
final class FastCpuCheck {
    private static final int VARINT = WireReader.VARINT, LEN = WireReader.LEN;

    private final WireReader in;
    private long minString, maxString;
    private int strings;
    private int firstStringLength = -1;
    private final LongList mappingIds = new LongList(), functionIds = new LongList(), locationIds = new LongList();
    private final LongList lineFunctions = new LongList(), sampleLocations = new LongList();
    private final LongList sampleTypeStrings = new LongList(), valueCounts = new LongList();
    private long periodType = -1, periodUnit = -1;
    private int periodTypeMessages;
    private int[] stringOffsets = new int[512];
    private int[] stringLengths = new int[512];
    private boolean time, duration, period;

    private FastCpuCheck(byte[] raw) {
        this.in = new WireReader(raw);
    }

    /** True only when the profile is certainly a valid CPU profile. */
    static boolean accepts(byte[] raw) {
        try {
            return new FastCpuCheck(raw).run(raw.length);
        } catch (WireReader.Malformed e) {
            return false;
        }
    }

    private boolean run(int end) {
        while (in.pos < end) {
            long tag = in.tag(end);
            int field = (int) (tag >>> 3), wire = (int) (tag & 7);
            boolean ok = switch (field) {
                case 1 -> wire == LEN && valueType(sampleTypeStrings);
                case 2 -> wire == LEN && sample();
                case 3 -> wire == LEN && idMessage(mappingIds, 10, false);
                case 4 -> wire == LEN && idMessage(locationIds, 5, true);
                case 5 -> wire == LEN && idMessage(functionIds, 5, false);
                case 6 -> wire == LEN && string();
                case 7, 8, 14 -> wire == VARINT && ref(in.varint(end));
                // A scalar seen twice means concatenated profiles: let the full check say so.
                case 9 -> wire == VARINT && !time && (time = true) && skipVarint(end);
                case 10 -> wire == VARINT && !duration && (duration = true) && in.varint(end) >= 0;
                case 11 -> wire == LEN && ++periodTypeMessages == 1 && periodType();
                case 12 -> wire == VARINT && !period && (period = true) && skipVarint(end);
                case 13 -> repeatedRefs(wire, end);
                default -> {
                    in.skip(wire, end);
                    yield true;
                }
            };
            if (!ok) {
                return false;
            }
        }
        return finish();
    }

    private boolean skipVarint(int end) {
        in.varint(end);
        return true;
    }

    private boolean finish() {
        if (strings == 0 || firstStringLength != 0 || minString < 0 || maxString >= strings) {
            return false;
        }
        int types = sampleTypeStrings.size / 2;
        for (int i = 0; i < valueCounts.size; i++) {
            if (valueCounts.values[i] != types) {
                return false;
            }
        }
        IdIndex functions, locations;
        try {
            IdIndex.of("mapping", mappingIds.toArray());
            functions = IdIndex.of("function", functionIds.toArray());
            locations = IdIndex.of("location", locationIds.toArray());
        } catch (InvalidProfileException zeroOrDuplicateId) {
            return false;
        }
        for (int i = 0; i < lineFunctions.size; i++) {
            long f = lineFunctions.values[i];
            if (f != 0 && functions.find(f) < 0) {
                return false;
            }
        }
        for (int i = 0; i < sampleLocations.size; i++) {
            if (locations.find(sampleLocations.values[i]) < 0) {
                return false;
            }
        }
        if (periodTypeMessages != 1 || !is(periodType, "cpu") || !is(periodUnit, "nanoseconds") || types != 2) {
            return false;
        }
        long[] t = sampleTypeStrings.values;
        boolean countFirst = is(t[0], "samples") && is(t[1], "count") && is(t[2], "cpu") && is(t[3], "nanoseconds");
        boolean cpuFirst = is(t[0], "cpu") && is(t[1], "nanoseconds") && is(t[2], "samples") && is(t[3], "count");
        return countFirst || cpuFirst;
    }

    private boolean is(long index, String expected) {
        if (index < 0 || index >= strings) {
            return false;
        }
        byte[] e = expected.getBytes(StandardCharsets.US_ASCII);
        int off = stringOffsets[(int) index], len = stringLengths[(int) index];
        return len == e.length && Arrays.equals(in.buf, off, off + len, e, 0, e.length);
    }

    private boolean ref(long index) {
        if (index < minString) {
            minString = index;
        }
        if (index > maxString) {
            maxString = index;
        }
        return true;
    }

    private boolean repeatedRefs(int wire, int end) {
        if (wire == VARINT) {
            return ref(in.varint(end));
        }
        if (wire != LEN) {
            return false;
        }
        int e = in.lengthEnd(end);
        while (in.pos < e) {
            ref(in.varint(e));
        }
        return true;
    }

    private boolean string() {
        int end = in.lengthEnd(in.buf.length);
        int offset = in.pos, len = end - offset;
        if (!utf8(in.buf, offset, end)) {
            return false;
        }
        if (strings == stringOffsets.length) {
            stringOffsets = Arrays.copyOf(stringOffsets, strings * 2);
            stringLengths = Arrays.copyOf(stringLengths, strings * 2);
        }
        stringOffsets[strings] = offset;
        stringLengths[strings] = len;
        if (strings == 0) {
            firstStringLength = len;
        }
        strings++;
        in.pos = end;
        return true;
    }

    /** Protobuf refuses proto3 strings that are not UTF-8; ASCII, the usual case, is checked inline. */
    private static boolean utf8(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] < 0) {
                return UnsafeByteOperations.unsafeWrap(b, from, to - from).isValidUtf8();
            }
        }
        return true;
    }

    private boolean valueType(LongList into) {
        int end = in.lengthEnd(in.buf.length);
        long type = 0, unit = 0;
        while (in.pos < end) {
            long tag = in.tag(end);
            int f = (int) (tag >>> 3), wire = (int) (tag & 7);
            if (f == 1 || f == 2) {
                if (wire != VARINT) {
                    return false;
                }
                long v = in.varint(end);
                if (f == 1) {
                    type = v;
                } else {
                    unit = v;
                }
            } else {
                in.skip(wire, end);
            }
        }
        ref(type);
        ref(unit);
        into.add(type);
        into.add(unit);
        return true;
    }

    private boolean periodType() {
        LongList pt = new LongList();
        valueType(pt);
        periodType = pt.values[0];
        periodUnit = pt.values[1];
        return true;
    }

    private boolean sample() {
        int end = in.lengthEnd(in.buf.length);
        long values = 0;
        while (in.pos < end) {
            long tag = in.tag(end);
            int f = (int) (tag >>> 3), wire = (int) (tag & 7);
            if (f == 1) {
                if (!varints(wire, end, sampleLocations)) {
                    return false;
                }
            } else if (f == 2) {
                long n = countValues(wire, end);
                if (n < 0) {
                    return false;
                }
                values += n;
            } else if (f == 3) {
                if (wire != LEN || !label(end)) {
                    return false;
                }
            } else {
                in.skip(wire, end);
            }
        }
        valueCounts.add(values);
        return true;
    }

    private boolean label(int parentEnd) {
        int end = in.lengthEnd(parentEnd);
        while (in.pos < end) {
            long tag = in.tag(end);
            int f = (int) (tag >>> 3), wire = (int) (tag & 7);
            if (f >= 1 && f <= 4) {
                if (wire != VARINT) {
                    return false;
                }
                long v = in.varint(end);
                if (f != 3) {
                    ref(v);
                }
            } else {
                in.skip(wire, end);
            }
        }
        return true;
    }

    /**
     * A mapping, location or function: field 1 is its id, other varint fields up to
     * {@code maxVarintField}; string refs are mapping fields 5-6 and function fields 2-4;
     * a location's field 4 holds its lines.
     */
    private boolean idMessage(LongList ids, int maxVarintField, boolean isLocation) {
        int end = in.lengthEnd(in.buf.length);
        long id = 0;
        boolean isFunction = ids == functionIds, isMapping = ids == mappingIds;
        while (in.pos < end) {
            long tag = in.tag(end);
            int f = (int) (tag >>> 3), wire = (int) (tag & 7);
            if (isLocation && f == 4) {
                if (wire != LEN || !line(end)) {
                    return false;
                }
            } else if (f >= 1 && f <= maxVarintField) {
                if (wire != VARINT) {
                    return false;
                }
                long v = in.varint(end);
                if (f == 1) {
                    id = v;
                } else if (isFunction && f <= 4 || isMapping && (f == 5 || f == 6)) {
                    ref(v);
                }
            } else {
                in.skip(wire, end);
            }
        }
        ids.add(id);
        return true;
    }

    private boolean line(int parentEnd) {
        int end = in.lengthEnd(parentEnd);
        long function = 0;
        while (in.pos < end) {
            long tag = in.tag(end);
            int f = (int) (tag >>> 3), wire = (int) (tag & 7);
            if (f >= 1 && f <= 3) {
                if (wire != VARINT) {
                    return false;
                }
                long v = in.varint(end);
                if (f == 1) {
                    function = v;
                }
            } else {
                in.skip(wire, end);
            }
        }
        lineFunctions.add(function);
        return true;
    }

    private boolean varints(int wire, int end, LongList into) {
        if (wire == VARINT) {
            into.add(in.varint(end));
            return true;
        }
        if (wire != LEN) {
            return false;
        }
        int e = in.lengthEnd(end);
        while (in.pos < e) {
            into.add(in.varint(e));
        }
        return true;
    }

    /** Counts sample values; -1 (not sure) for a wrong wire type or a negative value. */
    private long countValues(int wire, int end) {
        if (wire == VARINT) {
            return in.varint(end) < 0 ? -1 : 1;
        }
        if (wire != LEN) {
            return -1;
        }
        int e = in.lengthEnd(end);
        long n = 0;
        while (in.pos < e) {
            if (in.varint(e) < 0) {
                return -1;
            }
            n++;
        }
        return n;
    }

    private static final class LongList {
        long[] values = new long[256];
        int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        long[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
