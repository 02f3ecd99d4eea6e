package dev.pgofleet.pprof;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.pgofleet.pprof.proto.ProfileProto.Profile;
import java.io.IOException;

/** Turns the bytes of a file or request body into a protobuf {@link Profile}, within limits. */
public final class ProfileDecoder {
    private static final int TIME_NANOS = 9, DURATION_NANOS = 10, PERIOD = 12;

    private ProfileDecoder() {}

    public static Profile decode(byte[] data, DecodeLimits limits) throws InvalidProfileException {
        return parse(inflate(data, limits));
    }

    /** The protobuf bytes of a file or body: gunzipped when gzipped, within the limits. */
    static byte[] inflate(byte[] data, DecodeLimits limits) throws InvalidProfileException {
        if (data.length == 0) {
            throw new InvalidProfileException("empty body: expected a pprof profile");
        }
        if (data.length > limits.maxCompressedBytes()) {
            throw new InvalidProfileException("profile is larger than the limit of " + limits.maxCompressedBytes() + " bytes");
        }
        byte[] raw = Gzip.isGzip(data) ? Gzip.gunzip(data, limits.maxDecompressedBytes()) : data;
        if (raw.length > limits.maxDecompressedBytes()) {
            throw new InvalidProfileException("profile is larger than the limit of " + limits.maxDecompressedBytes() + " bytes");
        }
        if (raw.length == 0) {
            throw new InvalidProfileException("empty profile");
        }
        return raw;
    }

    static Profile parse(byte[] raw) throws InvalidProfileException {
        rejectConcatenation(raw);
        try {
            return Profile.parseFrom(raw);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidProfileException("not a pprof profile: " + e.getMessage());
        }
    }

    /**
     * Protobuf merges concatenated messages silently; a writer never repeats a scalar field, so a
     * repeated one means two profiles glued together (google/pprof refuses them too).
     */
    private static void rejectConcatenation(byte[] raw) throws InvalidProfileException {
        CodedInputStream in = CodedInputStream.newInstance(raw);
        boolean time = false, duration = false, period = false;
        try {
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                int field = WireFormat.getTagFieldNumber(tag);
                boolean seen = switch (field) {
                    case TIME_NANOS -> time;
                    case DURATION_NANOS -> duration;
                    case PERIOD -> period;
                    default -> false;
                };
                if (seen) {
                    throw new InvalidProfileException("concatenated profiles detected: field " + field + " appears twice");
                }
                time |= field == TIME_NANOS;
                duration |= field == DURATION_NANOS;
                period |= field == PERIOD;
                if (!in.skipField(tag)) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new InvalidProfileException("not a pprof profile: " + e.getMessage());
        }
    }
}
