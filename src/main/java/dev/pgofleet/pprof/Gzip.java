package dev.pgofleet.pprof;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/** Single-member gzip with hard limits on input, and deterministic output (no name, no mtime). */
public final class Gzip {
    private static final int FTEXT = 1, FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16;
    /** Header as Go's compress/gzip writes it: no mtime, no name, OS "unknown". */
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

    private Gzip() {}

    public static boolean isGzip(byte[] data) {
        return data.length >= 2 && (data[0] & 0xff) == 0x1f && (data[1] & 0xff) == 0x8b;
    }

    /**
     * Inflates one gzip member. Refuses more than {@code maxOutput} bytes of output as soon as the
     * limit is passed, a bad CRC or length, a truncated stream, and any byte after the member
     * (a second member or a concatenated profile).
     */
    public static byte[] gunzip(byte[] data, long maxOutput) throws InvalidProfileException {
        int pos = headerLength(data);
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(data, pos, data.length - pos);
            byte[] out = new byte[initialCapacity(data, maxOutput)];
            byte[] spare = new byte[1];
            int n = 0;
            while (!inflater.finished()) {
                int k;
                if (n < out.length) {
                    k = inflater.inflate(out, n, out.length - n);
                    n += k;
                } else {
                    // Full at the size the trailer gave: zlib may need one more call to see the
                    // end; any byte beyond means the trailer lied, so the buffer grows.
                    k = inflater.inflate(spare, 0, 1);
                    if (k == 1) {
                        if (n >= maxOutput) {
                            throw new InvalidProfileException("decompressed profile is larger than the limit of " + maxOutput + " bytes");
                        }
                        out = Arrays.copyOf(out, (int) Math.min(maxOutput, Math.max(1024L, (long) out.length * 2)));
                        out[n++] = spare[0];
                    }
                }
                if (n > maxOutput) {
                    throw new InvalidProfileException("decompressed profile is larger than the limit of " + maxOutput + " bytes");
                }
                if (k == 0 && !inflater.finished() && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new InvalidProfileException("gzip stream is truncated");
                }
            }
            int trailer = data.length - inflater.getRemaining();
            if (data.length - trailer < 8) {
                throw new InvalidProfileException("gzip stream is truncated");
            }
            CRC32 crc = new CRC32();
            crc.update(out, 0, n);
            if ((int) crc.getValue() != readIntLE(data, trailer) || n != readIntLE(data, trailer + 4)) {
                throw new InvalidProfileException("gzip checksum mismatch: the profile is corrupt");
            }
            if (data.length - trailer > 8) {
                throw new InvalidProfileException("unexpected data after the gzip stream (concatenated files are not accepted)");
            }
            return n == out.length ? out : Arrays.copyOf(out, n);
        } catch (DataFormatException e) {
            throw new InvalidProfileException("gzip stream is corrupt: " + e.getMessage());
        } finally {
            inflater.end();
        }
    }

    /**
     * The output buffer's first size: the length the trailer states (so a normal profile is
     * inflated without a copy), kept within the limit and a small multiple of the input, so that a
     * forged trailer costs no large allocation up front.
     */
    private static int initialCapacity(byte[] data, long maxOutput) {
        long stated = data.length >= 18 ? readIntLE(data, data.length - 4) & 0xffffffffL : 0;
        long bound = Math.min(maxOutput, Math.max(1024L, (long) data.length * 64));
        return (int) Math.max(1, Math.min(stated, bound));
    }

    private static int headerLength(byte[] d) throws InvalidProfileException {
        if (d.length < 10 || d[2] != 8) {
            throw new InvalidProfileException(d.length < 10 ? "gzip stream is truncated" : "unsupported gzip compression method");
        }
        int flags = d[3] & 0xff;
        int pos = 10;
        try {
            if ((flags & FEXTRA) != 0) {
                pos += 2 + ((d[pos] & 0xff) | (d[pos + 1] & 0xff) << 8);
            }
            if ((flags & FNAME) != 0) {
                while (d[pos++] != 0) { /* skip name */ }
            }
            if ((flags & FCOMMENT) != 0) {
                while (d[pos++] != 0) { /* skip comment */ }
            }
            if ((flags & FHCRC) != 0) {
                pos += 2;
            }
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new InvalidProfileException("gzip stream is truncated");
        }
        if (pos > d.length || (flags & ~(FTEXT | FHCRC | FEXTRA | FNAME | FCOMMENT)) != 0) {
            throw new InvalidProfileException("gzip header is malformed");
        }
        return pos;
    }

    private static int readIntLE(byte[] d, int p) {
        return (d[p] & 0xff) | (d[p + 1] & 0xff) << 8 | (d[p + 2] & 0xff) << 16 | (d[p + 3] & 0xff) << 24;
    }

    /** Compresses with a fixed header so equal input gives equal bytes. */
    public static byte[] gzip(byte[] data, int off, int len) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(len / 3 + 64);
        out.write(HEADER, 0, HEADER.length);
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try {
            deflater.setInput(data, off, len);
            deflater.finish();
            byte[] buf = new byte[64 * 1024];
            while (!deflater.finished()) {
                int n = deflater.deflate(buf);
                out.write(buf, 0, n);
            }
        } finally {
            deflater.end();
        }
        CRC32 crc = new CRC32();
        crc.update(data, off, len);
        writeIntLE(out, (int) crc.getValue());
        writeIntLE(out, len);
        return out.toByteArray();
    }

    private static void writeIntLE(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }
}
