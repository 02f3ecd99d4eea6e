package dev.pgofleet.pprof;

/**
 * A minimal protobuf wire reader over a byte array, for the one-pass check: no allocation, nested
 * messages handled by end offsets. Malformed input throws {@link Malformed}.
 */
final class WireReader {
    static final int VARINT = 0, I64 = 1, LEN = 2, I32 = 5;

    static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Malformed() {
            super(null, null, false, false);
        }
    }

    private static final Malformed MALFORMED = new Malformed();

    final byte[] buf;
    int pos;

    WireReader(byte[] buf) {
        this.buf = buf;
    }

    long varint(int end) {
        // Most varints of a profile (tags, lengths, ids, string indexes) take one or two bytes.
        int p = pos;
        if (end - p >= 2) {
            byte b0 = buf[p];
            if (b0 >= 0) {
                pos = p + 1;
                return b0;
            }
            byte b1 = buf[p + 1];
            if (b1 >= 0) {
                pos = p + 2;
                return (b0 & 0x7F) | (long) b1 << 7;
            }
        }
        return longVarint(end);
    }

    private long longVarint(int end) {
        int p = pos;
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p >= end) {
                throw MALFORMED;
            }
            byte b = buf[p++];
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                pos = p;
                return result;
            }
        }
        throw MALFORMED;
    }

    /**
     * A field tag. Any field number is read, 0 and numbers past protobuf's 2^29-1 included: Go's
     * decoder skips a field it has no entry for, whatever its number.
     */
    long tag(int end) {
        return varint(end);
    }

    /** The field number of a tag; numbers beyond an int are given as -1 (no decoder entry). */
    static int field(long tag) {
        long field = tag >>> 3;
        return field > Integer.MAX_VALUE ? -1 : (int) field;
    }

    /** The end offset of a length-delimited field whose length comes next. */
    int lengthEnd(int end) {
        long len = varint(end);
        if (len < 0 || len > end - pos) {
            throw MALFORMED;
        }
        return pos + (int) len;
    }

    void skip(int wireType, int end) {
        switch (wireType) {
            case VARINT -> varint(end);
            case I64 -> advance(8, end);
            case LEN -> pos = lengthEnd(end);
            case I32 -> advance(4, end);
            default -> throw MALFORMED;
        }
    }

    private void advance(int n, int end) {
        if (end - pos < n) {
            throw MALFORMED;
        }
        pos += n;
    }
}
