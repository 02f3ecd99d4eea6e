package dev.pgofleet.pprof;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.MergedProfile.Function;
import dev.pgofleet.pprof.MergedProfile.Location;
import dev.pgofleet.pprof.MergedProfile.Sample;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The lean transform on hand-made profiles, and its promise: Go's PGO reader sees the same edges. */
class LeanProfileTest {
    /** main.main -> main.handle -> (main.parse inlined into main.decode) -> runtime.memmove, plus an unused function. */
    private static HandProfile base() {
        return new HandProfile().mapping(1, "/bin/app").mapping(2, "/lib/libc.so")
                .function(1, "main.main", 10).function(2, "main.handle", 20).function(3, "main.decode", 30)
                .function(4, "main.parse", 40).function(5, "runtime.memmove", 50).function(6, "main.unused", 60)
                .function(7, "libc.write", 0)
                .location(1, 1, 0x400100, 1, 12)
                .location(2, 1, 0x400200, 2, 25)
                .location(3, 1, 0x400300, 4, 44, 3, 33) // parse inlined into decode
                .location(4, 1, 0x400400, 5, 51)
                .location(5, 2, 0x800100, 7, 0)
                .location(6, 1, 0x400600, 6, 61);
    }

    /** Each sample as "count:leaf<caller<..." by function names of the first line, then its labels. */
    private static List<String> samples(MergedProfile p) {
        return p.samples().stream().map(s -> s.value(0) + ":" + s.locations().stream()
                .map(l -> l.lines().stream().map(x -> x.function().name()).collect(Collectors.joining("+")))
                .collect(Collectors.joining("<")) + (s.labels().isEmpty() ? "" : " labelled")).toList();
    }

    @Test
    void keepsTheTwoLeafMostLocationsWithAllTheirInlinedLines() throws Exception {
        MergedProfile full = base().sample(3, "", 4, 3, 2, 1).merged();
        MergedProfile lean = LeanProfile.of(full);
        assertThat(samples(lean)).containsExactly("3:runtime.memmove<main.parse+main.decode");
        Location caller = lean.samples().get(0).locations().get(1);
        assertThat(caller.lines()).extracting(l -> l.function().name() + ":" + l.line())
                .containsExactly("main.parse:44", "main.decode:33");
        assertThat(lean.functions()).extracting(Function::name).containsExactly("runtime.memmove", "main.parse", "main.decode");
        assertThat(lean.functions()).extracting(Function::startLine).containsExactly(50L, 40L, 30L);
        assertThat(lean.locations()).extracting(Location::id).containsExactly(1L, 2L);
        assertThat(lean.locations()).extracting(Location::address).containsExactly(0x400400L, 0x400300L);
    }

    @Test
    void aOneFrameSampleStaysAsItIs() throws Exception {
        MergedProfile lean = LeanProfile.of(base().sample(2, "", 5).sample(1, "", 4, 3).merged());
        assertThat(samples(lean)).containsExactly("2:libc.write", "1:runtime.memmove<main.parse+main.decode");
        assertThat(lean.mappings()).extracting(MergedProfile.Mapping::file).containsExactly("/bin/app", "/lib/libc.so");
    }

    @Test
    void samplesThatBecomeIdenticalAreSummedInFirstSeenOrder() throws Exception {
        MergedProfile full = base()
                .sample(1, "", 2, 1)
                .sample(3, "", 4, 3, 2, 1)
                .sample(5, "", 4, 3, 1)
                .sample(7, "", 4, 3)
                .merged();
        assertThat(full.samples()).hasSize(4);
        MergedProfile lean = LeanProfile.of(full);
        assertThat(samples(lean)).containsExactly("1:main.handle<main.main", "15:runtime.memmove<main.parse+main.decode");
        assertThat(lean.total(0)).isEqualTo(full.total(0));
        assertThat(lean.total(1)).isEqualTo(full.total(1));
    }

    @Test
    void labelsAreDroppedAndTheirSamplesSummed() throws Exception {
        MergedProfile full = base().sample(2, "/alpha", 4, 3, 2).sample(3, "/beta", 4, 3, 2).sample(4, "", 4, 3, 2).merged();
        assertThat(samples(full)).hasSize(3).allMatch(s -> s.endsWith("labelled") || s.startsWith("4:"));
        MergedProfile lean = LeanProfile.of(full);
        assertThat(samples(lean)).containsExactly("9:runtime.memmove<main.parse+main.decode");
        assertThat(lean.samples()).allMatch(s -> s.labels().isEmpty());
        assertThat(ProfileWriter.encode(lean, false)).as("no label key left in the string table")
                .asString(java.nio.charset.StandardCharsets.ISO_8859_1).doesNotContain("endpoint").doesNotContain("/alpha");
    }

    @Test
    void samplesSummingToZeroAreDroppedWithWhatOnlyTheyReferenced() throws Exception {
        MergedProfile full = base().sample(4, "", 2, 1).sample(-4, "", 2, 1, 6).sample(1, "", 5).merged();
        MergedProfile lean = LeanProfile.of(full);
        assertThat(samples(lean)).containsExactly("1:libc.write");
        assertThat(lean.mappings()).hasSize(1).allMatch(m -> m.id() == 1 && m.file().equals("/lib/libc.so"));
        assertThat(lean.functions()).extracting(Function::name).containsExactly("libc.write");
    }

    @Test
    void theHeaderIsTheFullMergesAndTheBytesAreDeterministic() throws Exception {
        MergedProfile full = base().sample(3, "/a", 4, 3, 2, 1).sample(1, "", 6, 2, 1).merged();
        MergedProfile lean = LeanProfile.of(full);
        assertThat(List.of(lean.sampleTypes(), lean.periodType(), lean.period(), lean.timeNanos(), lean.durationNanos(),
                lean.comments(), lean.defaultSampleType()))
                .isEqualTo(List.of(full.sampleTypes(), full.periodType(), full.period(), full.timeNanos(), full.durationNanos(),
                        full.comments(), full.defaultSampleType()));
        assertThat(ProfileWriter.write(LeanProfile.of(full))).isEqualTo(ProfileWriter.write(lean));
        // A merge of the lean form alone changes nothing: it is already in Go's merged numbering.
        ProfileMerger again = new ProfileMerger();
        again.add(ValidProfile.parse(ProfileWriter.encode(lean, false), DecodeLimits.DEFAULT));
        assertThat(ProfileWriter.encode(again.result(), false)).isEqualTo(ProfileWriter.encode(lean, false));
    }

    @Test
    void goSeesTheSameCallEdgesInRandomDeepProfiles() throws Exception {
        Random rnd = new Random(18);
        for (int round = 0; round < 200; round++) {
            HandProfile h = new HandProfile().mapping(1, "/bin/app");
            int functions = 2 + rnd.nextInt(8), locations = 2 + rnd.nextInt(12);
            for (int f = 1; f <= functions; f++) {
                h.function(f, "pkg.f" + f, rnd.nextInt(3) == 0 ? 0 : 10 * f);
            }
            for (int l = 1; l <= locations; l++) {
                int lines = 1 + rnd.nextInt(3);
                long[] fl = new long[2 * lines];
                for (int i = 0; i < lines; i++) {
                    fl[2 * i] = 1 + rnd.nextInt(functions);
                    fl[2 * i + 1] = 10 + rnd.nextInt(40);
                }
                h.location(l, 1, 0x1000L * (1 + rnd.nextInt(4)), fl); // shared addresses: nodes shared across locations
            }
            for (int s = rnd.nextInt(30); s > 0; s--) {
                long[] stack = new long[rnd.nextInt(12)];
                for (int i = 0; i < stack.length; i++) {
                    stack[i] = 1 + rnd.nextInt(locations); // recursion: the same location more than once
                }
                h.sample(rnd.nextInt(4), rnd.nextBoolean() ? "" : "/x", stack);
            }
            MergedProfile full = h.merged();
            MergedProfile lean = LeanProfile.of(full);
            CallEdges fullEdges = CallEdges.of(full), leanEdges = CallEdges.of(lean);
            assertThat(leanEdges.preprofile()).as("round " + round).isEqualTo(fullEdges.preprofile());
            assertThat(leanEdges.totalWeight()).isEqualTo(fullEdges.totalWeight());
            assertThat(lean.samples()).allMatch(s -> s.locations().size() <= 2 && s.labels().isEmpty() && !s.isZero());
            assertThat(lean.samples().stream().map(Sample::locations).distinct().count()).isEqualTo(lean.samples().size());
        }
    }
}
