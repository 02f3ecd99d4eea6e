package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Series a dashboard or alert reads exist from the start, at zero, before anything happened. */
class CollectorMetricsTest {
    @Test
    void everyLabelValueIsExportedAtZeroFromTheStart() {
        CollectorMetrics m = new CollectorMetrics(() -> 0, () -> 0, () -> 0, () -> 0, () -> 0);
        m.watchKeyReloads(() -> 0);
        String text = new String(m.scrape(), StandardCharsets.UTF_8);
        for (String reason : CollectorMetrics.SHED_REASONS) {
            assertThat(text).contains("pgof_shed_total{reason=\"" + reason + "\"} 0.0");
        }
        for (String outcome : CollectorMetrics.SUBMIT_OUTCOMES) {
            assertThat(text).contains("pgof_submits_total{outcome=\"" + outcome + "\",service=\"default\"} 0.0")
                    .contains("pgof_submits_total{outcome=\"" + outcome + "\",service=\"_unknown\"} 0.0");
        }
        for (String kind : CollectorMetrics.MERGE_KINDS) {
            assertThat(text).contains("pgof_merges_total{kind=\"" + kind + "\",service=\"default\"} 0.0");
        }
        assertThat(text).contains("pgof_key_reload_failures_total 0.0")
                .contains("pgof_submits_total{outcome=\"internal_error\",service=\"default\"} 0.0")
                .contains("pgof_stored_profiles{service=\"default\"} 0.0")
                .contains("pgof_compacted_profiles_total{service=\"default\"} 0.0")
                .contains("pgof_merge_duration_seconds_count{service=\"default\"} 0");
    }

    @Test
    void aShedCountsUnderItsReasonOnly() {
        CollectorMetrics m = new CollectorMetrics(() -> 0, () -> 0, () -> 0, () -> 0, () -> 0);
        m.shed.labelValues("io").inc();
        m.watchKeyReloads(() -> 3);
        String text = new String(m.scrape(), StandardCharsets.UTF_8);
        assertThat(text).contains("pgof_shed_total{reason=\"io\"} 1.0").contains("pgof_shed_total{reason=\"workers\"} 0.0")
                .contains("pgof_key_reload_failures_total 3.0");
    }
}
