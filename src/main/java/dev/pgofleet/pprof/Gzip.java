package dev.pgofleet.pprof;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/** Gzip read as Go reads it, with a hard limit on output, and deterministic output (no name, no mtime). */
public final class Gzip {
    private static final int FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16;
    /** Header as Go's compress/gzip writes it at BestSpeed: no mtime, no name, XFL 4 (fastest), OS "unknown". */
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 4, (byte) 0xff};

    private Gzip() {}

    public static boolean isGzip(byte[] data) {
        return data.length >= 2 && (data[0] & 0xff) == 0x1f && (data[1] & 0xff) == 0x8b;
    }

    /**
     * Inflates a gzip stream as Go's compress/gzip reader does: one or more members, their output
     * concatenated; each member's header (flags, extra field, a name and a comment of at most 511
     * bytes, the header CRC when flagged) and trailer (CRC-32, length) checked. After a member the
     * input must end or hold another whole member. Refuses more than {@code maxOutput} bytes of
     * output as soon as the limit is passed.
     */
    public static byte[] gunzip(byte[] data, long maxOutput) throws InvalidProfileException {
        Inflater inflater = new Inflater(true);
        try {
            byte[] out = new byte[initialCapacity(data, maxOutput)];
            int n = 0, pos = 0;
            CRC32 crc = new CRC32();
            do {
                pos = headerEnd(data, pos);
                inflater.reset();
                inflater.setInput(data, pos, data.length - pos);
                int memberStart = n;
                byte[] spare = new byte[1];
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
                                throw tooLarge(maxOutput);
                            }
                            out = Arrays.copyOf(out, (int) Math.min(maxOutput, Math.max(1024L, (long) out.length * 2)));
                            out[n++] = spare[0];
                        }
                    }
                    if (n > maxOutput) {
                        throw tooLarge(maxOutput);
                    }
                    if (k == 0 && !inflater.finished() && (inflater.needsInput() || inflater.needsDictionary())) {
                        throw new InvalidProfileException("gzip stream is truncated");
                    }
                }
                int trailer = data.length - inflater.getRemaining();
                if (data.length - trailer < 8) {
                    throw new InvalidProfileException("gzip stream is truncated");
                }
                crc.reset();
                crc.update(out, memberStart, n - memberStart);
                if ((int) crc.getValue() != readIntLE(data, trailer) || n - memberStart != readIntLE(data, trailer + 4)) {
                    throw new InvalidProfileException("gzip checksum mismatch: the profile is corrupt");
                }
                pos = trailer + 8;
            } while (pos < data.length);
            return n == out.length ? out : Arrays.copyOf(out, n);
        } catch (DataFormatException e) {
            throw new InvalidProfileException("gzip stream is corrupt: " + e.getMessage());
        } finally {
            inflater.end();
        }
    }

    private static InvalidProfileException tooLarge(long maxOutput) {
        return new InvalidProfileException("decompressed profile is larger than the limit of " + maxOutput + " bytes");
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

    /** Go's compress/gzip reads names and comments into a 512-byte buffer, NUL included. */
    private static final int MAX_HEADER_STRING = 511;

    /** Where the deflate data of the member whose header starts at {@code start} begins. */
    private static int headerEnd(byte[] d, int start) throws InvalidProfileException {
        if (start > 0 && (d.length - start < 10 || (d[start] & 0xff) != 0x1f || (d[start + 1] & 0xff) != 0x8b)) {
            throw new InvalidProfileException("unexpected data after the gzip stream (not another gzip member)");
        }
        if (d.length - start < 10) {
            throw new InvalidProfileException("gzip stream is truncated");
        }
        if (d[start + 2] != 8) {
            throw new InvalidProfileException("unsupported gzip compression method");
        }
        // Reserved flag bits are ignored, as Go's reader does.
        int flags = d[start + 3] & 0xff;
        int pos = start + 10;
        if ((flags & FEXTRA) != 0) {
            need(d, pos, 2);
            pos += 2;
            int len = (d[pos - 2] & 0xff) | (d[pos - 1] & 0xff) << 8;
            need(d, pos, len);
            pos += len;
        }
        if ((flags & FNAME) != 0) {
            pos = stringEnd(d, pos, "file name");
        }
        if ((flags & FCOMMENT) != 0) {
            pos = stringEnd(d, pos, "comment");
        }
        if ((flags & FHCRC) != 0) {
            need(d, pos, 2);
            CRC32 crc = new CRC32();
            crc.update(d, start, pos - start);
            int stated = (d[pos] & 0xff) | (d[pos + 1] & 0xff) << 8;
            if (stated != ((int) crc.getValue() & 0xffff)) {
                throw new InvalidProfileException("gzip header checksum mismatch: the profile is corrupt");
            }
            pos += 2;
        }
        return pos;
    }

    private static int stringEnd(byte[] d, int pos, String what) throws InvalidProfileException {
        for (int i = 0; i <= MAX_HEADER_STRING; i++) {
            need(d, pos + i, 1);
            if (d[pos + i] == 0) {
                return pos + i + 1;
            }
        }
        throw new InvalidProfileException("gzip header is malformed: the " + what + " is longer than " + MAX_HEADER_STRING + " bytes");
    }

    private static void need(byte[] d, int pos, int n) throws InvalidProfileException {
        if (d.length - pos < n) {
            throw new InvalidProfileException("gzip stream is truncated");
        }
    }

    private static int readIntLE(byte[] d, int p) {
        return (d[p] & 0xff) | (d[p + 1] & 0xff) << 8 | (d[p + 2] & 0xff) << 16 | (d[p + 3] & 0xff) << 24;
    }

    /**
     * Compresses with a fixed header so equal input gives equal bytes. At zlib's fastest level: a
     * third of the default level's CPU for about an eighth more bytes, for a merge answered while
     * submits take the cores (rollups and combines take the same level, so equal merges are equal
     * bytes everywhere). What pprof and the Go toolchain read, the bytes after gunzip, is the same.
     */
    public static byte[] gzip(byte[] data, int off, int len) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(len / 2 + 64);
        out.write(HEADER, 0, HEADER.length);
        Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
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
