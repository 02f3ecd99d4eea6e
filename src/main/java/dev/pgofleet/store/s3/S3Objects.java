package dev.pgofleet.store.s3;

import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.store.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The few S3 calls the store makes, on objects named relative to the prefix, each counted by
 * operation; failures become {@link IOException}s with a one-line reason (no class names).
 */
final class S3Objects implements AutoCloseable {
    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private volatile boolean multiDelete = true;

    S3Objects(S3Client s3, String bucket, String prefix) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
    }

    String prefix() {
        return prefix;
    }

    Map<String, Long> requests() {
        Map<String, Long> m = new TreeMap<>();
        requests.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    private void count(String op) {
        requests.computeIfAbsent(op, k -> new LongAdder()).increment();
    }

    void put(String name, byte[] bytes) throws IOException {
        count("PUT");
        try {
            s3.putObject(r -> r.bucket(bucket).key(prefix + name).contentType("application/octet-stream"), body(bytes));
        } catch (SdkException e) {
            throw new IOException(why(e), e);
        }
    }

    /** The object's bytes, refused above {@code limit}; {@link ParallelFold.Vanished} if it is gone. */
    byte[] get(String name, long limit) throws IOException, InvalidProfileException {
        count("GET");
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(r -> r.bucket(bucket).key(prefix + name))) {
            Long size = in.response().contentLength();
            return readBounded(in, size == null ? 0 : size, limit, name);
        } catch (NoSuchKeyException e) {
            throw new ParallelFold.Vanished(Path.of(name));
        } catch (SdkException e) {
            // Not the object's fault: the fold stops (nothing is set aside) and the merge fails with a 503.
            throw new ParallelFold.SourceFailed(why(e), e);
        }
    }

    /** Every object directly under the prefix (not under its "subdirectories"), in key order. */
    List<S3Object> list() throws IOException {
        List<S3Object> out = new ArrayList<>();
        listPages(prefix, page -> out.addAll(page.contents()));
        return out;
    }

    /** The names of the "subdirectories" directly under {@code prefix + sub} (without the trailing slash), in key order. */
    List<String> listPrefixes(String sub) throws IOException {
        List<String> out = new ArrayList<>();
        String under = prefix + sub;
        listPages(under, page -> page.commonPrefixes().forEach(p -> {
            String name = p.prefix().substring(under.length());
            out.add(name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
        }));
        return out;
    }

    /** Each page of a listing of {@code under}, one level deep ("/" delimits), one LIST request a page. */
    private void listPages(String under, Consumer<ListObjectsV2Response> each) throws IOException {
        try {
            String token = null;
            do {
                count("LIST");
                String t = token;
                ListObjectsV2Response page = s3.listObjectsV2(r -> r.bucket(bucket).prefix(under).delimiter("/").continuationToken(t));
                each.accept(page);
                token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
            } while (token != null);
        } catch (SdkException e) {
            throw new StorageException("cannot list the bucket: " + why(e), e);
        }
    }

    void delete(String name) throws IOException {
        count("DELETE");
        try {
            s3.deleteObject(r -> r.bucket(bucket).key(prefix + name));
        } catch (SdkException e) {
            throw new IOException(why(e), e);
        }
    }

    /** One request for up to 1,000 objects. */
    void deleteAll(List<String> names) throws IOException {
        if (names.isEmpty()) {
            return;
        }
        if (names.size() == 1 || !multiDelete) {
            for (String n : names) {
                delete(n);
            }
            return;
        }
        count("DELETE_MANY");
        List<ObjectIdentifier> ids = names.stream().map(n -> ObjectIdentifier.builder().key(prefix + n).build()).toList();
        try {
            DeleteObjectsResponse r = s3.deleteObjects(b -> b.bucket(bucket).delete(Delete.builder().objects(ids).quiet(true).build()));
            if (r.hasErrors() && !r.errors().isEmpty()) {
                throw new IOException("could not delete " + r.errors().size() + " objects, first " + r.errors().get(0).key()
                        + ": " + r.errors().get(0).message());
            }
        } catch (AwsServiceException e) {
            if (e.statusCode() != 501) {
                throw new IOException(why(e), e);
            }
            // A server without multi-object delete (s3proxy refuses the SDK's checksum header): one request per object.
            multiDelete = false;
            deleteAll(names);
        } catch (SdkException e) {
            throw new IOException(why(e), e);
        }
    }

    void copy(String from, String to) throws IOException {
        count("COPY");
        try {
            s3.copyObject(r -> r.sourceBucket(bucket).sourceKey(prefix + from).destinationBucket(bucket).destinationKey(prefix + to));
        } catch (SdkException e) {
            throw new IOException(why(e), e);
        }
    }

    /** The reason in words: the service's error code and message, or the client's message. */
    static String why(Exception e) {
        if (e instanceof AwsServiceException a && a.awsErrorDetails() != null) {
            String code = a.awsErrorDetails().errorCode();
            String msg = a.awsErrorDetails().errorMessage();
            return "S3 answered " + a.statusCode() + (code == null ? "" : " " + code) + (msg == null ? "" : ": " + msg);
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? "the S3 request failed" : m.lines().findFirst().orElse(m);
    }

    @Override
    public void close() {
        s3.close();
    }

    /** Reads an object fully (bounded), for {@link #get}. */
    private static byte[] readBounded(InputStream in, long size, long limit, String name) throws IOException, InvalidProfileException {
        if (size > limit) {
            throw new InvalidProfileException(name + " is larger than the limit of " + limit + " bytes");
        }
        byte[] bytes = in.readNBytes((int) Math.min(limit, Integer.MAX_VALUE - 9L) + 1);
        if (bytes.length > limit) {
            throw new InvalidProfileException(name + " is larger than the limit of " + limit + " bytes");
        }
        return bytes;
    }

    private static RequestBody body(byte[] bytes) {
        return RequestBody.fromBytes(bytes);
    }
}
