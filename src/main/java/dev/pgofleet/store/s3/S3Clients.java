package dev.pgofleet.store.s3;

import dev.pgofleet.config.StorageSettings;
import java.time.Duration;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** Builds the SDK's blocking client from the settings: credentials from the SDK's default chain. */
final class S3Clients {
    private S3Clients() {}

    static S3Client build(StorageSettings s) {
        // Half the settle margin (at least 5 s, for a loaded server): a raw PUT that lands, lands before its name settles, so
        // rollups keep arrival order. One landing later still counts once (no rollup covers it), folded in a later pass.
        Duration call = Duration.ofMillis(Math.max(5000, Math.min(30_000, s.settle().toMillis() / 2)));
        S3ClientBuilder b = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(call))
                .forcePathStyle(s.pathStyle())
                // Checksums only where S3 requires them: S3-compatible servers differ in the newer trailing checksums.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                // Content-MD5 on the calls that need an integrity header (DeleteObjects), as S3-compatible servers expect.
                .addPlugin(LegacyMd5Plugin.create())
                .overrideConfiguration(o -> o.apiCallTimeout(call).apiCallAttemptTimeout(call));
        if (s.endpoint() != null) {
            b.endpointOverride(s.endpoint());
        }
        if (s.region() != null) {
            b.region(Region.of(s.region()));
        } else if (s.endpoint() != null) {
            b.region(Region.US_EAST_1);
        }
        return b.build();
    }
}
