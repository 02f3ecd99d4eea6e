package dev.pgofleet.pprof;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte buffer with the few protobuf encodings google/pprof's writer uses. */
final class ProtoSink {
    private byte[] buf;
    private int size;

    ProtoSink(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    int size() { return size; }
    void clear() { size = 0; }
    byte[] toByteArray() { return Arrays.copyOf(buf, size); }
    byte[] array() { return buf; }

    private void ensure(int extra) {
        if (size + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(size + extra, buf.length * 2));
        }
    }

    void varint(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
    }

    void tag(int field, int wireType) {
        varint((long) field << 3 | wireType);
    }

    /** A varint field, always written (Go's encodeInt64 / encodeUint64). */
    void int64(int field, long v) {
        tag(field, 0);
        varint(v);
    }

    /** A varint field left out when zero (Go's ...Opt encoders). */
    void int64Opt(int field, long v) {
        if (v != 0) {
            int64(field, v);
        }
    }

    void boolOpt(int field, boolean v) {
        if (v) {
            int64(field, 1);
        }
    }

    /** Repeated varints: packed when more than two, one field each otherwise, as Go writes them. */
    void int64s(int field, long[] values, int count) {
        if (count > 2) {
            int start = size;
            for (int i = 0; i < count; i++) {
                varint(values[i]);
            }
            int len = size - start;
            byte[] body = Arrays.copyOfRange(buf, start, size);
            size = start;
            tag(field, 2);
            varint(len);
            bytes(body, 0, body.length);
            return;
        }
        for (int i = 0; i < count; i++) {
            int64(field, values[i]);
        }
    }

    void string(int field, String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1); // one char per byte: the bytes that were read
        tag(field, 2);
        varint(b.length);
        bytes(b, 0, b.length);
    }

    void message(int field, ProtoSink body) {
        tag(field, 2);
        varint(body.size);
        bytes(body.buf, 0, body.size);
    }

    private void bytes(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, size, len);
        size += len;
    }
}
