package dev.pgofleet.config;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * Where the collector keeps profiles: {@code PGOF_STORAGE=dir} (the default: {@code PGOF_DIRECTORY})
 * or {@code s3://BUCKET/PREFIX} with the {@code PGOF_S3_*} settings. {@code bucket} is null for
 * the directory store; {@code prefix} is empty or ends with {@code /}.
 */
public record StorageSettings(String bucket, String prefix, URI endpoint, String region, boolean pathStyle, Duration settle) {
    public static final String STORAGE = "PGOF_STORAGE";
    public static final String ENDPOINT = "PGOF_S3_ENDPOINT";
    public static final String REGION = "PGOF_S3_REGION";
    public static final String PATH_STYLE = "PGOF_S3_PATH_STYLE";
    public static final String SETTLE = "PGOF_S3_SETTLE";

    public static final StorageSettings DIRECTORY = new StorageSettings(null, "", null, null, false, Duration.ofSeconds(30));

    public boolean isS3() {
        return bucket != null;
    }

    /** The address as written in PGOF_STORAGE: {@code s3://bucket/prefix/}, or {@code dir}. */
    public String location() {
        return isS3() ? "s3://" + bucket + "/" + prefix : "dir";
    }

    /** The store of one service: {@code PREFIX/services/NAME/}. */
    public StorageSettings forService(String name) {
        return new StorageSettings(bucket, prefix + "services/" + name + "/", endpoint, region, pathStyle, settle);
    }

    /** {@code dir}, or {@code s3://BUCKET} with an optional {@code /PREFIX}. */
    static StorageSettings parse(String storage, URI endpoint, String region, boolean pathStyle, Duration settle) {
        if (storage.equals("dir")) {
            return new StorageSettings(null, "", null, null, false, settle);
        }
        if (!storage.toLowerCase(Locale.ROOT).startsWith("s3://")) {
            throw new IllegalArgumentException("expected dir or s3://BUCKET/PREFIX");
        }
        String rest = storage.substring(5);
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new IllegalArgumentException("the bucket name '" + bucket + "' is not a valid S3 bucket name");
        }
        String prefix = slash < 0 ? "" : rest.substring(slash + 1).replaceAll("^/+|/+$", "");
        return new StorageSettings(bucket, prefix.isEmpty() ? "" : prefix + "/", endpoint,
                region, pathStyle, settle);
    }

    /** An AWS-style region name ({@code eu-west-1}; S3-compatible servers accept any such name). */
    static String region(String text) {
        if (!text.matches("[a-z0-9]+(-[a-z0-9]+)*")) {
            throw new IllegalArgumentException("expected a region name such as us-east-1");
        }
        return text;
    }

    static URI endpoint(String text) {
        URI u;
        try {
            u = URI.create(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a URL");
        }
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
            throw new IllegalArgumentException("expected http://HOST:PORT or https://HOST");
        }
        return u;
    }
}
