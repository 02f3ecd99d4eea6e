package dev.pgofleet.store.s3;

import dev.pgofleet.config.StorageSettings;
import dev.pgofleet.testing.S3Server;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** S3 stores and clients on a test server, with its credentials given directly. */
final class S3Stores {
    private S3Stores() {}

    static S3Client client(S3Server server) {
        return S3Client.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(S3Server.ACCESS_KEY, S3Server.SECRET_KEY)))
                .httpClientBuilder(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder())
                .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED)
                .addPlugin(software.amazon.awssdk.services.s3.LegacyMd5Plugin.create())
                .build();
    }

    static S3Objects objects(S3Server server, String prefix) {
        return new S3Objects(client(server), S3Server.BUCKET, prefix);
    }

    static S3Store open(S3Server server, String prefix, boolean replaces, long settleMillis) throws java.io.IOException {
        return S3Store.open(objects(server, prefix), "s3://" + S3Server.BUCKET + "/" + prefix, replaces, settleMillis, 4, 64,
                System::currentTimeMillis);
    }

    static StorageSettings settings(S3Server server, String prefix, Duration settle) {
        return new StorageSettings(S3Server.BUCKET, prefix, server.endpoint(), "us-east-1", true, settle);
    }
}
