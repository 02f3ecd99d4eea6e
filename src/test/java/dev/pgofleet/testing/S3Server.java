package dev.pgofleet.testing;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 API server in the test JVM: s3proxy on a loopback port, objects kept as files under a
 * temp directory, requests signed (AWS v2 or v4) with fixed test credentials. {@link #stop()} and
 * {@link #start()} again serve the same objects on the same port (an outage).
 */
public final class S3Server implements AutoCloseable {
    public static final String ACCESS_KEY = "pgof-test-access";
    public static final String SECRET_KEY = "pgof-test-secret-key";
    public static final String BUCKET = "pgof-test";

    private final BlobStoreContext context;
    private final int port;
    private S3Proxy proxy;

    private S3Server(Path dir, int port) throws Exception {
        Properties p = new Properties();
        p.setProperty("jclouds.filesystem.basedir", dir.toString());
        this.context = ContextBuilder.newBuilder("filesystem").overrides(p).build(BlobStoreContext.class);
        this.port = port;
        context.getBlobStore().createContainerInLocation(null, BUCKET);
    }

    /** Starts a server storing under {@code dir}, on a free port, with the bucket {@link #BUCKET}. */
    public static S3Server start(Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        S3Server server = new S3Server(dir, port);
        server.start();
        return server;
    }

    public synchronized void start() throws Exception {
        proxy = S3Proxy.builder().blobStore(context.getBlobStore()).endpoint(endpoint())
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                // The SDK's checksum header on DeleteObjects is one s3proxy does not know; AWS and MinIO take it.
                .ignoreUnknownHeaders(true).build();
        proxy.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
            }
            Thread.onSpinWait();
        }
    }

    public synchronized void stop() throws Exception {
        proxy.stop();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The collector's variables for this server (the credentials go through the SDK's default chain: environment). */
    public Map<String, String> env(String prefix) {
        return Map.of("PGOF_STORAGE", "s3://" + BUCKET + "/" + prefix, "PGOF_S3_ENDPOINT", endpoint().toString(),
                "PGOF_S3_PATH_STYLE", "on", "PGOF_S3_REGION", "us-east-1",
                "AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY);
    }

    /** Credentials for collectors in this JVM, through the SDK's default chain (system properties). */
    public static void useTestCredentials() {
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (Exception e) {
            throw new IllegalStateException("s3proxy did not stop: " + e.getMessage(), e);
        } finally {
            context.close();
        }
    }
}
