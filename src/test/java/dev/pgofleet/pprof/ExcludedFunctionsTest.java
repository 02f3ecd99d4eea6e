package dev.pgofleet.pprof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgofleet.pprof.MergedProfile.Function;
import dev.pgofleet.testing.TestData;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Exclude guards rename, and move nothing else: weights, totals, the hot threshold. */
class ExcludedFunctionsTest {
    private static MergedProfile fleet() throws Exception {
        return ParallelFold.mergeFiles(TestData.fleet(), DecodeLimits.DEFAULT, true, 2, n -> {});
    }

    @Test
    void aMatchingFunctionIsRenamedAndItsEdgesKeepTheirWeight() throws Exception {
        MergedProfile full = fleet();
        CallEdges before = CallEdges.of(full);
        String hot = before.edges().get(0).callee();
        ExcludedFunctions guard = ExcludedFunctions.of(List.of("^" + Pattern.quote(hot) + "$"));
        MergedProfile guarded = guard.apply(full);

        assertThat(guarded.functions()).extracting(Function::name).contains(ExcludedFunctions.PREFIX + hot).doesNotContain(hot);
        assertThat(guarded.functions()).hasSameSizeAs(full.functions());
        assertThat(guarded.samples()).hasSameSizeAs(full.samples());
        for (int i = 0; i < full.sampleTypes().size(); i++) {
            assertThat(guarded.total(i)).isEqualTo(full.total(i));
        }
        CallEdges after = CallEdges.of(guarded);
        assertThat(after.totalWeight()).as("the total that sets the hot threshold").isEqualTo(before.totalWeight());
        assertThat(after.hotCount()).isEqualTo(before.hotCount());
        assertThat(after.edges()).extracting(CallEdges.Edge::weight).isEqualTo(before.edges().stream().map(CallEdges.Edge::weight).toList());
        assertThat(after.edges()).noneMatch(e -> e.caller().equals(hot) || e.callee().equals(hot));
        assertThat(after.edges()).anyMatch(e -> e.callee().equals(ExcludedFunctions.PREFIX + hot));
        // Everything else is as it was, and the lean form of the guarded profile is the guarded lean form.
        assertThat(ProfileWriter.encode(LeanProfile.of(guarded), false)).isEqualTo(ProfileWriter.encode(guard.apply(LeanProfile.of(full)), false));
    }

    @Test
    void aPatternMatchesAnywhereInTheNameLikeGosMatchString() {
        ExcludedFunctions g = ExcludedFunctions.of(List.of("gopark", "^google\\.golang\\.org/grpc\\.\\(\\*Server\\)"));
        assertThat(g.excludes("runtime.gopark")).isTrue();
        assertThat(g.excludes("google.golang.org/grpc.(*Server).handleStream")).isTrue();
        assertThat(g.excludes("x/google.golang.org/grpc.(*Server).f")).isFalse();
        assertThat(g.excludes("runtime.goready")).isFalse();
    }

    @Test
    void nothingMatchingLeavesTheProfileAsItIs() throws Exception {
        MergedProfile full = fleet();
        assertThat(ExcludedFunctions.of(List.of("^no\\.such\\.function$")).apply(full)).isSameAs(full);
        assertThat(ExcludedFunctions.NONE.apply(full)).isSameAs(full);
    }

    @Test
    void aBadPatternIsOneLineNamingIt() {
        assertThatThrownBy(() -> ExcludedFunctions.of(List.of("ok", "runtime.(gopark")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid pattern runtime.(gopark: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("Exception"));
        assertThatThrownBy(() -> ExcludedFunctions.of(List.of(""))).hasMessageContaining("empty pattern");
    }

    @Test
    void patternsCombineInOrderWithoutDuplicatesAndCompareByText() {
        ExcludedFunctions a = ExcludedFunctions.of(List.of("a", "b")), b = ExcludedFunctions.of(List.of("b", "c"));
        assertThat(a.and(b).patterns()).containsExactly("a", "b", "c");
        assertThat(a.and(ExcludedFunctions.NONE)).isSameAs(a);
        assertThat(ExcludedFunctions.of(List.of("a", "b"))).isEqualTo(a).hasSameHashCodeAs(a);
    }
}
