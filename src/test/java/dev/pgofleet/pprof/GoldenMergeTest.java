package dev.pgofleet.pprof;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.testing.Canonical;
import dev.pgofleet.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Our merge against google/pprof's, for every golden case in the shared test data. */
class GoldenMergeTest {
    static MergedProfile merge(List<Path> inputs) throws Exception {
        return ParallelFold.mergeFiles(inputs, DecodeLimits.DEFAULT, true, 2, n -> {});
    }

    @ParameterizedTest
    @ValueSource(strings = {"single", "self-3x", "fleet-24", "mixed-binaries"})
    void canonicalTextEqualsGooglePprof(String name) throws Exception {
        MergedProfile merged = merge(TestData.goldenInputs(name));
        String expected = Files.readString(TestData.path("golden/" + name + ".canon"));
        assertThat(Canonical.of(ProfileWriter.write(merged))).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"single", "self-3x", "fleet-24", "mixed-binaries"})
    void stripLabelsEqualsGooglePprof(String name) throws Exception {
        MergedProfile stripped = merge(TestData.goldenInputs(name)).withoutLabels();
        String expected = Files.readString(TestData.path("golden/" + name + ".strip-labels.canon"));
        assertThat(Canonical.of(ProfileWriter.write(stripped))).isEqualTo(expected);
    }

    /** Stronger than canonical equality: the uncompressed protobuf is Go's, byte for byte. */
    @ParameterizedTest
    @ValueSource(strings = {"single", "self-3x", "fleet-24", "mixed-binaries"})
    void uncompressedBytesEqualGoogles(String name) throws Exception {
        byte[] ours = ProfileWriter.encode(merge(TestData.goldenInputs(name)), false);
        byte[] theirs = Gzip.gunzip(TestData.bytes("golden/" + name + ".pprof"), Integer.MAX_VALUE - 8);
        assertThat(ours).isEqualTo(theirs);
    }
}
