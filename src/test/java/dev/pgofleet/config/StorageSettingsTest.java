package dev.pgofleet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** PGOF_STORAGE and the PGOF_S3_* settings: parsed at start, a bad value named with the variable. */
class StorageSettingsTest {
    private static CollectorConfig config(Map<String, String> extra) throws ConfigException {
        Map<String, String> env = new HashMap<>(extra);
        return CollectorConfig.fromEnv(env);
    }

    @Test
    void theDirectoryIsTheDefaultAndCompactionIsOn() throws Exception {
        CollectorConfig c = config(Map.of());
        assertThat(c.storage().isS3()).isFalse();
        assertThat(c.storage().location()).isEqualTo("dir");
        assertThat(c.compactor()).isTrue();
    }

    @Test
    void anS3AddressWithItsSettings() throws Exception {
        CollectorConfig c = config(Map.of("PGOF_STORAGE", "s3://fleet-profiles//team/a/", "PGOF_S3_ENDPOINT", "http://minio:9000",
                "PGOF_S3_PATH_STYLE", "on", "AWS_REGION", "eu-west-1", "PGOF_S3_SETTLE", "10s", "PGOF_COMPACTOR", "off"));
        StorageSettings s = c.storage();
        assertThat(s.bucket()).isEqualTo("fleet-profiles");
        assertThat(s.prefix()).isEqualTo("team/a/");
        assertThat(s.endpoint()).isEqualTo(URI.create("http://minio:9000"));
        assertThat(s.region()).isEqualTo("eu-west-1");
        assertThat(s.pathStyle()).isTrue();
        assertThat(s.settle()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.compactor()).isFalse();
        assertThat(s.location()).isEqualTo("s3://fleet-profiles/team/a/");
        assertThat(s.forService("checkout").prefix()).isEqualTo("team/a/services/checkout/");
        assertThat(config(Map.of("PGOF_STORAGE", "s3://b12", "PGOF_S3_REGION", "us-west-2", "AWS_REGION", "eu-west-1"))
                .storage()).satisfies(t -> {
                    assertThat(t.prefix()).isEmpty();
                    assertThat(t.region()).isEqualTo("us-west-2");
                });
    }

    @Test
    void badValuesNameTheVariable() {
        assertThatThrownBy(() -> config(Map.of("PGOF_STORAGE", "gs://bucket")))
                .hasMessage("PGOF_STORAGE=gs://bucket is invalid: expected dir or s3://BUCKET/PREFIX");
        assertThatThrownBy(() -> config(Map.of("PGOF_STORAGE", "s3://Bad_Bucket/x")))
                .hasMessage("PGOF_STORAGE=s3://Bad_Bucket/x is invalid: the bucket name 'Bad_Bucket' is not a valid S3 bucket name");
        assertThatThrownBy(() -> config(Map.of("PGOF_STORAGE", "s3://bucket", "PGOF_S3_ENDPOINT", "minio:9000")))
                .hasMessageStartingWith("PGOF_S3_ENDPOINT=minio:9000 is invalid: ");
        assertThatThrownBy(() -> config(Map.of("PGOF_S3_PATH_STYLE", "maybe")))
                .hasMessage("PGOF_S3_PATH_STYLE=maybe is invalid: expected on or off");
        assertThatThrownBy(() -> config(Map.of("PGOF_COMPACTOR", "sometimes")))
                .hasMessage("PGOF_COMPACTOR=sometimes is invalid: expected on or off");
    }
}
