package dev.pgofleet.pprof;

/**
 * Size limits applied while a profile is read, so that a hostile input is refused after reading
 * at most the limit (a gzip bomb is never inflated whole).
 */
public record DecodeLimits(long maxCompressedBytes, long maxDecompressedBytes) {
    public static final long DEFAULT_MAX_COMPRESSED = 16L << 20;
    public static final long DEFAULT_MAX_DECOMPRESSED = 64L << 20;
    public static final DecodeLimits DEFAULT = new DecodeLimits(DEFAULT_MAX_COMPRESSED, DEFAULT_MAX_DECOMPRESSED);
    /**
     * For files the collector wrote itself (rollups, combined merges): they hold many submits, so
     * the per-submit limits do not apply; only what a Java array can hold bounds them.
     */
    public static final DecodeLimits OWN_FILES = new DecodeLimits(Integer.MAX_VALUE - 8, Integer.MAX_VALUE - 8);

    public DecodeLimits {
        if (maxCompressedBytes <= 0 || maxDecompressedBytes <= 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
        if (maxDecompressedBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxDecompressedBytes must be below 2 GiB");
        }
    }
}
