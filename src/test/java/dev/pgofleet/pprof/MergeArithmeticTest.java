package dev.pgofleet.pprof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgofleet.pprof.proto.ProfileProto;
import dev.pgofleet.testing.Canonical;
import dev.pgofleet.testing.TestData;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MergeArithmeticTest {
    private static final Pattern VALUES = Pattern.compile("^\\[(\\d+) (\\d+)\\] (.*)$");

    static ValidProfile load(String relative) throws InvalidProfileException {
        return ValidProfile.parse(TestData.bytes(relative), DecodeLimits.DEFAULT);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 50})
    void nCopiesGiveNTimesTheValues(int n) throws Exception {
        String file = "profiles/fleet/inst003.pprof";
        ProfileMerger merger = new ProfileMerger();
        for (int i = 0; i < n; i++) {
            merger.add(load(file));
        }
        MergedProfile merged = merger.result();
        ValidProfile one = load(file);
        assertThat(merged.total(0)).isEqualTo(n * one.total(0));
        assertThat(merged.total(1)).isEqualTo(n * one.total(1));
        assertThat(merged.durationNanos()).isEqualTo(n * one.durationNanos());
        // Every canonical line scales, not just the totals.
        java.util.Map<String, long[]> single = canonicalValues(Canonical.of(TestData.bytes(file)));
        java.util.Map<String, long[]> many = canonicalValues(Canonical.of(ProfileWriter.write(merged)));
        assertThat(many.keySet()).isEqualTo(single.keySet());
        single.forEach((key, v) -> assertThat(many.get(key)).containsExactly(n * v[0], n * v[1]));
    }

    private static java.util.Map<String, long[]> canonicalValues(String canon) {
        java.util.Map<String, long[]> out = new java.util.HashMap<>();
        canon.lines().filter(l -> l.startsWith("[")).forEach(l -> {
            Matcher m = VALUES.matcher(l);
            assertThat(m.matches()).isTrue();
            out.put(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
        });
        return out;
    }

    @Test
    void aProfileMergedWithItsNegationIsEmpty() throws Exception {
        ProfileProto.Profile p = TestData.proto(TestData.bytes("profiles/std/regexp.pprof"));
        ProfileProto.Profile.Builder neg = p.toBuilder();
        for (int i = 0; i < neg.getSampleCount(); i++) {
            ProfileProto.Sample.Builder s = neg.getSampleBuilder(i);
            for (int j = 0; j < s.getValueCount(); j++) {
                s.setValue(j, -s.getValue(j));
            }
        }
        ProfileMerger merger = new ProfileMerger();
        merger.add(ValidProfile.of(p));
        merger.add(ValidProfile.of(neg.build()));
        MergedProfile merged = merger.result();
        assertThat(merged.samples()).isEmpty();
        assertThat(merged.locations()).isEmpty();
        assertThat(merged.functions()).isEmpty();
        // As in google/pprof (checked with go tool pprof -proto), the main binary's mapping stays.
        assertThat(merged.mappings()).singleElement().satisfies(m -> assertThat(m.file()).endsWith("regexp.test"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"profiles/fleet/inst002.pprof", "profiles/std/compress_flate.pprof",
            "profiles/compiler/nethttp.pprof", "profiles/upstream-cpu.pgo"})
    void mergingOneProfileKeepsItsCanonicalText(String file) throws Exception {
        ProfileMerger merger = new ProfileMerger();
        merger.add(load(file));
        byte[] out = ProfileWriter.write(merger.result());
        assertThat(Canonical.of(out)).isEqualTo(Canonical.of(TestData.bytes(file)));
    }

    @Test
    void outputIsDeterministic() throws Exception {
        List<Path> files = TestData.fleet();
        byte[] a = ProfileWriter.write(GoldenMergeTest.merge(files));
        byte[] b = ProfileWriter.write(GoldenMergeTest.merge(files));
        assertThat(a).isEqualTo(b);
        assertThat(a[4] | a[5] | a[6] | a[7]).as("no gzip mtime").isZero();
    }

    @Test
    void inputOrderChangesIdsButNotMeaning() throws Exception {
        List<Path> files = new java.util.ArrayList<>(TestData.fleet());
        String forward = Canonical.of(ProfileWriter.write(GoldenMergeTest.merge(files)));
        Collections.reverse(files);
        assertThat(Canonical.of(ProfileWriter.write(GoldenMergeTest.merge(files)))).isEqualTo(forward);
    }

    @Test
    void stripLabelsRemovesEveryLabelAndKeepsTotals() throws Exception {
        MergedProfile merged = GoldenMergeTest.merge(TestData.fleet());
        MergedProfile stripped = merged.withoutLabels();
        assertThat(stripped.samples()).allMatch(s -> s.labels().isEmpty());
        assertThat(stripped.samples().size()).isLessThan(merged.samples().size());
        assertThat(stripped.total(1)).isEqualTo(merged.total(1));
        assertThat(ProfileWriter.write(stripped).length).isLessThan(ProfileWriter.write(merged).length);
    }

    @Test
    void incompatibleProfilesAreRefused() throws Exception {
        ProfileMerger merger = new ProfileMerger();
        merger.add(load("profiles/fleet/inst001.pprof"));
        assertThatThrownBy(() -> merger.add(load("profiles/noncpu/heap.pprof")))
                .hasMessageStartingWith("incompatible");
    }

    @Test
    void startLineSurvives() throws Exception {
        ProfileMerger merger = new ProfileMerger();
        merger.add(load("profiles/fleet/inst001.pprof"));
        ProfileProto.Profile out = TestData.proto(ProfileWriter.write(merger.result()));
        assertThat(out.getFunctionList()).isNotEmpty().allMatch(f -> f.getStartLine() > 0);
    }
}
