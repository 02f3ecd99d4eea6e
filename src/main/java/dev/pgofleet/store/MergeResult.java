package dev.pgofleet.store;

/**
 * One merge of the store: the gzipped profile, its ETag (hex SHA-256 of the body, so a client can
 * compute it from the file it already has), and what went into it. {@code body} is null when the
 * store holds no profile. {@code fullBytes} is the size of the full form of the same merge, for a
 * client of another form (lean, stripped) to compare.
 */
public record MergeResult(byte[] body, String etag, long profiles, int samples, long fullBytes) {
    public static final MergeResult EMPTY = new MergeResult(null, null, 0, 0, 0);

    public boolean isEmpty() {
        return body == null;
    }
}
