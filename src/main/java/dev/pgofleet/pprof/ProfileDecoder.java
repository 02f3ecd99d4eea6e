package dev.pgofleet.pprof;

/** Turns the bytes of a file or request body into protobuf bytes, within limits. */
final class ProfileDecoder {
    private ProfileDecoder() {}

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
}
