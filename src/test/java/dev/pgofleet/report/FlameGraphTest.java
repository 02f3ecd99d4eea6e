package dev.pgofleet.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.bench.PageLoad;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.MergedProfile;
import dev.pgofleet.pprof.ProfileMerger;
import dev.pgofleet.pprof.ValidProfile;
import dev.pgofleet.pprof.proto.ProfileProto.Profile;
import dev.pgofleet.testing.TestData;
import org.junit.jupiter.api.Test;

/** The flame graph's folding on a 100,000-function profile, and the JSON's escaping. */
class FlameGraphTest {
    @Test
    void foldingKeepsAHundredThousandFunctionProfileUnderAMegabyteAndEveryFigureAddingUp() throws Exception {
        ProfileMerger merger = new ProfileMerger();
        merger.add(ValidProfile.parse(PageLoad.make(100_000, 7), DecodeLimits.DEFAULT));
        MergedProfile p = merger.result();
        long total = TopFunctions.of(p).total();

        FlameGraph.Node folded = FlameGraph.of(p);
        assertThat(FlameGraph.size(folded)).as("every function on some path").isGreaterThan(100_000);
        FlameGraph.fold(folded, 0.001);
        StringBuilder json = new StringBuilder();
        FlameGraph.writeJson(folded, json);
        assertThat(json.length()).isLessThan(1 << 20);
        assertThat(folded.value()).isEqualTo(total);
        check(folded, (long) Math.ceil(total * 0.001));
    }

    private static void check(FlameGraph.Node n, long threshold) {
        long sum = n.self();
        for (FlameGraph.Node c : n.children()) {
            assertThat(c.value()).isGreaterThanOrEqualTo(threshold);
            sum += c.value();
            check(c, threshold);
        }
        assertThat(n.value()).as(n.name()).isEqualTo(sum);
    }

    /** Profile strings are bytes; what people read is the text those bytes spell in UTF-8. */
    @Test
    void namesAndBinariesShowAsTheTextTheirBytesSpell() throws Exception {
        Profile base = TestData.proto(TestData.bytes("profiles/fleet/inst001.pprof"));
        Profile.Builder b = base.toBuilder();
        String name = "main.caf\u00e9\u00fcn\u00efcode", file = "/srv/b\u00efn/app";
        var sample = base.getSample(0);
        var leaf = location(base, sample.getLocationId(0));
        var root = location(base, sample.getLocationId(sample.getLocationIdCount() - 1));
        long functionId = leaf.getLine(leaf.getLineCount() - 1).getFunctionId();
        b.setStringTable((int) base.getFunctionList().stream().filter(f -> f.getId() == functionId).findFirst().orElseThrow().getName(), name);
        b.setStringTable((int) base.getMappingList().stream().filter(m -> m.getId() == root.getMappingId()).findFirst().orElseThrow()
                .getFilename(), file);
        byte[] bytes = b.build().toByteArray();
        ProfileMerger merger = new ProfileMerger();
        merger.add(ValidProfile.parse(bytes, DecodeLimits.DEFAULT));
        MergedProfile p = merger.result();

        assertThat(TopFunctions.of(p).top(0, false)).extracting(TopFunctions.Entry::name).contains(name);
        StringBuilder json = new StringBuilder();
        FlameGraph.writeJson(FlameGraph.of(p), json);
        assertThat(json.toString()).contains(Json.string(name));
        assertThat(MainBinary.in(bytes, DecodeLimits.DEFAULT)).extracting(MainBinary::file).containsExactly(file);
    }

    private static dev.pgofleet.pprof.proto.ProfileProto.Location location(Profile p, long id) {
        return p.getLocationList().stream().filter(l -> l.getId() == id).findFirst().orElseThrow();
    }

    @Test
    void jsonStringsCannotBreakOutOrBeReadAsMarkup() {
        assertThat(Json.string("<img src=x onerror=alert(1)>")).isEqualTo("\"\\u003cimg src=x onerror=alert(1)\\u003e\"");
        assertThat(Json.string("a\"b\\c\n\u0001&\u2028é")).isEqualTo("\"a\\\"b\\\\c\\n\\u0001\\u0026\\u2028é\"");
        assertThat(Json.number(12.345678)).isEqualTo("12.3457");
        assertThat(Json.number(100)).isEqualTo("100");
        assertThat(Json.number(Double.NaN)).isEqualTo("0");
    }
}
