package dev.pgofleet.store;

/**
 * One merge of the store: the gzipped profile, its ETag (hex SHA-256 of the body, so a client can
 * compute it from the file it already has), and what went into it. {@code body} is null when the
 * store holds no profile.
 */
public record MergeResult(byte[] body, String etag, long profiles, int samples) {
    public static final MergeResult EMPTY = new MergeResult(null, null, 0, 0);

    public boolean isEmpty() {
        return body == null;
    }
}
