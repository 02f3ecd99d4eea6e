package dev.pgofleet.pprof;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the parse/validate/merge path with Jazzer. Without JAZZER_FUZZ it
 * replays the seed inputs beside this class (ProfileJazzerTestInputs/) as a regression test; with
 * JAZZER_FUZZ=1 it fuzzes for maxDuration (.ci/run does a short run; docs/tests.md: how to run longer).
 */
class ProfileJazzerTest {
    private static final DecodeLimits LIMITS = new DecodeLimits(1 << 20, 8 << 20);

    @FuzzTest(maxDuration = "30s")
    void parseValidateAndMerge(byte[] data) {
        try {
            ValidProfile p = CpuProfileCheck.require(ValidProfile.parse(data, LIMITS));
            ProfileMerger merger = new ProfileMerger(true);
            merger.add(p);
            merger.add(p);
            ProfileWriter.write(merger.result().withoutLabels());
        } catch (InvalidProfileException expected) {
            // a clean refusal is the only failure allowed
        }
    }
}
