package dev.pgofleet.pprof;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The submit path's quick answer to "is this a valid Go CPU profile?": one pass over the protobuf
 * bytes with no object graph, checking what {@link ValidProfile} and {@link CpuProfileCheck} check.
 * It only ever says "yes" when it is sure; anything unusual (a wire type it does not expect, a
 * message that appears twice where it should appear once, any failed check) answers "not sure",
 * and the full validation decides and gives the precise reason. So it can never accept what the
 * full validation (which merges use) would refuse.
 */
final class FastCpuCheck {
    private static final int VARINT = WireFormat.WIRETYPE_VARINT, LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;

    private final CodedInputStream in;
    private final byte[] raw;
    private long minString = 0, maxString = 0;
    private int strings;
    private int emptyFirstString = -1;
    private LongList mappingIds = new LongList(), functionIds = new LongList(), locationIds = new LongList();
    private LongList lineFunctions = new LongList(), sampleLocations = new LongList();
    private LongList sampleTypeStrings = new LongList();
    private LongList valueCounts = new LongList();
    private long periodType = -1, periodUnit = -1;
    private int periodTypeMessages;
    private int[] stringOffsets = new int[256];
    private int[] stringLengths = new int[256];
    private boolean time, duration, period;

    private FastCpuCheck(byte[] raw) {
        this.raw = raw;
        this.in = CodedInputStream.newInstance(raw);
        in.setRecursionLimit(8);
    }

    /** True only when the profile is certainly a valid CPU profile. */
    static boolean accepts(byte[] raw) {
        try {
            return new FastCpuCheck(raw).run();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private boolean run() throws IOException {
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int field = WireFormat.getTagFieldNumber(tag), wire = WireFormat.getTagWireType(tag);
            boolean ok = switch (field) {
                case 1 -> wire == LEN && valueType(sampleTypeStrings);
                case 2 -> wire == LEN && sample();
                case 3 -> wire == LEN && mapping();
                case 4 -> wire == LEN && location();
                case 5 -> wire == LEN && function();
                case 6 -> wire == LEN && string();
                case 7, 8, 14 -> wire == VARINT && ref(in.readInt64());
                // A scalar seen twice means concatenated profiles: let the full check say so.
                case 9 -> wire == VARINT && !time && (time = true) && skipVarint();
                case 10 -> wire == VARINT && !duration && (duration = true) && in.readInt64() >= 0;
                case 11 -> wire == LEN && ++periodTypeMessages == 1 && periodType();
                case 12 -> wire == VARINT && !period && (period = true) && skipVarint();
                case 13 -> repeatedRefs(wire);
                default -> in.skipField(tag);
            };
            if (!ok) {
                return false;
            }
        }
        return finish();
    }

    private boolean skipVarint() throws IOException {
        in.readRawVarint64();
        return true;
    }

    private boolean finish() {
        if (strings == 0 || emptyFirstString != 0 || minString < 0 || maxString >= strings) {
            return false;
        }
        int types = sampleTypeStrings.size / 2;
        for (int i = 0; i < valueCounts.size; i++) {
            if (valueCounts.get(i) != types) {
                return false;
            }
        }
        if (!unique(mappingIds) || !unique(functionIds) || !unique(locationIds)) {
            return false;
        }
        for (int i = 0; i < lineFunctions.size; i++) {
            long f = lineFunctions.get(i);
            if (f != 0 && Arrays.binarySearch(functionIds.values, 0, functionIds.size, f) < 0) {
                return false;
            }
        }
        for (int i = 0; i < sampleLocations.size; i++) {
            if (Arrays.binarySearch(locationIds.values, 0, locationIds.size, sampleLocations.get(i)) < 0) {
                return false;
            }
        }
        if (periodTypeMessages != 1 || !is(periodType, "cpu") || !is(periodUnit, "nanoseconds") || types != 2) {
            return false;
        }
        boolean countFirst = is(sampleTypeStrings.get(0), "samples") && is(sampleTypeStrings.get(1), "count")
                && is(sampleTypeStrings.get(2), "cpu") && is(sampleTypeStrings.get(3), "nanoseconds");
        boolean cpuFirst = is(sampleTypeStrings.get(0), "cpu") && is(sampleTypeStrings.get(1), "nanoseconds")
                && is(sampleTypeStrings.get(2), "samples") && is(sampleTypeStrings.get(3), "count");
        return countFirst || cpuFirst;
    }

    private boolean is(long index, String expected) {
        if (index < 0 || index >= strings) {
            return false;
        }
        byte[] e = expected.getBytes(StandardCharsets.US_ASCII);
        int off = stringOffsets[(int) index], len = stringLengths[(int) index];
        return len == e.length && Arrays.equals(raw, off, off + len, e, 0, e.length);
    }

    /** Sorts the ids and checks there is no zero and no duplicate. */
    private static boolean unique(LongList ids) {
        Arrays.sort(ids.values, 0, ids.size);
        for (int i = 0; i < ids.size; i++) {
            if (ids.values[i] == 0 || i > 0 && ids.values[i] == ids.values[i - 1]) {
                return false;
            }
        }
        return true;
    }

    private boolean ref(long index) {
        minString = Math.min(minString, index);
        maxString = Math.max(maxString, index);
        return true;
    }

    private boolean repeatedRefs(int wire) throws IOException {
        if (wire == VARINT) {
            return ref(in.readInt64());
        }
        if (wire != LEN) {
            return false;
        }
        int limit = in.pushLimit(in.readRawVarint32());
        while (in.getBytesUntilLimit() > 0) {
            ref(in.readInt64());
        }
        in.popLimit(limit);
        return true;
    }

    private boolean string() throws IOException {
        int len = in.readRawVarint32();
        int offset = in.getTotalBytesRead();
        if (len < 0 || len > raw.length - offset || !UnsafeByteOperations.unsafeWrap(raw, offset, len).isValidUtf8()) {
            return false;
        }
        if (strings == stringOffsets.length) {
            stringOffsets = Arrays.copyOf(stringOffsets, strings * 2);
            stringLengths = Arrays.copyOf(stringLengths, strings * 2);
        }
        stringOffsets[strings] = offset;
        stringLengths[strings] = len;
        if (strings == 0) {
            emptyFirstString = len;
        }
        strings++;
        in.skipRawBytes(len);
        return true;
    }

    private boolean valueType(LongList into) throws IOException {
        long type = 0, unit = 0;
        int limit = in.pushLimit(in.readRawVarint32());
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int f = WireFormat.getTagFieldNumber(tag);
            if ((f == 1 || f == 2) && WireFormat.getTagWireType(tag) != VARINT) {
                return false;
            }
            if (f == 1) {
                type = in.readInt64();
            } else if (f == 2) {
                unit = in.readInt64();
            } else if (!in.skipField(tag)) {
                return false;
            }
        }
        in.popLimit(limit);
        ref(type);
        ref(unit);
        into.add(type);
        into.add(unit);
        return true;
    }

    private boolean periodType() throws IOException {
        LongList pt = new LongList();
        if (!valueType(pt)) {
            return false;
        }
        periodType = pt.get(0);
        periodUnit = pt.get(1);
        return true;
    }

    private boolean sample() throws IOException {
        int limit = in.pushLimit(in.readRawVarint32());
        long values = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int f = WireFormat.getTagFieldNumber(tag), wire = WireFormat.getTagWireType(tag);
            if (f == 1) {
                if (!varints(wire, sampleLocations)) {
                    return false;
                }
            } else if (f == 2) {
                long n = countVarints(wire);
                if (n < 0) {
                    return false;
                }
                values += n;
            } else if (f == 3) {
                if (wire != LEN || !label()) {
                    return false;
                }
            } else if (!in.skipField(tag)) {
                return false;
            }
        }
        in.popLimit(limit);
        valueCounts.add(values);
        return true;
    }

    private boolean label() throws IOException {
        int limit = in.pushLimit(in.readRawVarint32());
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int f = WireFormat.getTagFieldNumber(tag);
            if (f >= 1 && f <= 4) {
                if (WireFormat.getTagWireType(tag) != VARINT) {
                    return false;
                }
                long v = in.readInt64();
                if (f != 3) {
                    ref(v);
                }
            } else if (!in.skipField(tag)) {
                return false;
            }
        }
        in.popLimit(limit);
        return true;
    }

    private boolean mapping() throws IOException {
        return idMessage(mappingIds, new int[] {5, 6}, 10, false);
    }

    private boolean function() throws IOException {
        return idMessage(functionIds, new int[] {2, 3, 4}, 5, false);
    }

    private boolean location() throws IOException {
        return idMessage(locationIds, new int[0], 5, true);
    }

    /** A message whose field 1 is its id, some varint fields are string refs, and (for locations) field 4 holds lines. */
    private boolean idMessage(LongList ids, int[] stringFields, int maxVarintField, boolean lines) throws IOException {
        int limit = in.pushLimit(in.readRawVarint32());
        long id = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int f = WireFormat.getTagFieldNumber(tag), wire = WireFormat.getTagWireType(tag);
            if (lines && f == 4) {
                if (wire != LEN || !line()) {
                    return false;
                }
            } else if (f >= 1 && f <= maxVarintField) {
                if (wire != VARINT) {
                    return false;
                }
                long v = in.readRawVarint64();
                if (f == 1) {
                    id = v;
                }
                for (int s : stringFields) {
                    if (s == f) {
                        ref(v);
                    }
                }
            } else if (!in.skipField(tag)) {
                return false;
            }
        }
        in.popLimit(limit);
        ids.add(id);
        return true;
    }

    private boolean line() throws IOException {
        int limit = in.pushLimit(in.readRawVarint32());
        long function = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int f = WireFormat.getTagFieldNumber(tag);
            if (f >= 1 && f <= 3) {
                if (WireFormat.getTagWireType(tag) != VARINT) {
                    return false;
                }
                long v = in.readRawVarint64();
                if (f == 1) {
                    function = v;
                }
            } else if (!in.skipField(tag)) {
                return false;
            }
        }
        in.popLimit(limit);
        lineFunctions.add(function);
        return true;
    }

    private boolean varints(int wire, LongList into) throws IOException {
        if (wire == VARINT) {
            into.add(in.readRawVarint64());
            return true;
        }
        if (wire != LEN) {
            return false;
        }
        int limit = in.pushLimit(in.readRawVarint32());
        while (in.getBytesUntilLimit() > 0) {
            into.add(in.readRawVarint64());
        }
        in.popLimit(limit);
        return true;
    }

    private long countVarints(int wire) throws IOException {
        if (wire == VARINT) {
            in.readRawVarint64();
            return 1;
        }
        if (wire != LEN) {
            return -1;
        }
        int limit = in.pushLimit(in.readRawVarint32());
        long n = 0;
        while (in.getBytesUntilLimit() > 0) {
            in.readRawVarint64();
            n++;
        }
        in.popLimit(limit);
        return n;
    }

    private static final class LongList {
        long[] values = new long[64];
        int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        long get(int i) {
            return i < size ? values[i] : -1;
        }
    }
}
