package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.CallEdges;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.ExcludedFunctions;
import dev.pgofleet.pprof.LeanProfile;
import dev.pgofleet.pprof.MergedProfile;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.pprof.ProfileWriter;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** merge-files --lean/--exclude, fetch --lean/--exclude/--verbose and inspect, on real files and a real collector. */
class LeanCommandsTest {
    @TempDir
    Path tmp;

    private static final List<Path> FILES = TestData.fleet().subList(0, 8);

    private static MergedProfile full() throws Exception {
        return ParallelFold.mergeFiles(FILES, DecodeLimits.DEFAULT, true, 2, n -> {});
    }

    private static String[] mergeArgs(Path out, String... options) {
        List<String> a = new ArrayList<>(List.of("merge-files", "-o", out.toString()));
        a.addAll(List.of(options));
        FILES.forEach(f -> a.add(f.toString()));
        return a.toArray(String[]::new);
    }

    @Test
    void mergeFilesWritesTheLeanAndTheGuardedForms() throws Exception {
        MergedProfile full = full();
        String hot = CallEdges.of(full).edges().get(0).callee();
        String pattern = "^" + Pattern.quote(hot) + "$";
        Path lean = tmp.resolve("lean.pgo"), guarded = tmp.resolve("guarded.pgo");
        assertThat(CliRun.of(mergeArgs(lean, "--lean")).exit()).isZero();
        assertThat(Files.readAllBytes(lean)).isEqualTo(ProfileWriter.write(LeanProfile.of(full)));
        assertThat(CliRun.of(mergeArgs(guarded, "--lean", "--exclude", pattern, "--exclude", "^no\\.such$")).exit()).isZero();
        assertThat(Files.readAllBytes(guarded))
                .isEqualTo(ProfileWriter.write(LeanProfile.of(ExcludedFunctions.of(List.of(pattern)).apply(full))));

        Path never = tmp.resolve("never.pgo");
        CliRun bad = CliRun.of(mergeArgs(never, "--exclude", "runtime.(gopark"));
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).startsWith("error: --exclude: invalid pattern runtime.(gopark: ").hasLineCount(1);
        assertThat(never).doesNotExist();
    }

    @Test
    void inspectShowsWhatGoSeesInTheFullAndTheLeanForm() throws Exception {
        Path fullFile = tmp.resolve("full.pgo"), leanFile = tmp.resolve("lean.pgo");
        assertThat(CliRun.of(mergeArgs(fullFile)).exit()).isZero();
        assertThat(CliRun.of(mergeArgs(leanFile, "--lean")).exit()).isZero();
        CallEdges edges = CallEdges.of(full());
        CallEdges.Edge top = edges.edges().get(0);

        CliRun f = CliRun.of("inspect", "--top", "3", fullFile.toString());
        CliRun l = CliRun.of("inspect", "--top", "3", leanFile.toString());
        assertThat(f.exit()).isZero();
        assertThat(l.exit()).isZero();
        assertThat(f.out()).startsWith(fullFile + ": " + String.format("%,d", Files.size(fullFile)) + " bytes, ")
                .contains("form: full")
                .contains(String.format("call edges Go sees: %,d, edge weight %,d", edges.edges().size(), edges.totalWeight()))
                .contains(String.format("hot: %,d edges make up 99%% of the edge weight", edges.hotCount()))
                .contains(top.caller() + " -> " + top.callee() + " (" + (top.offset() >= 0 ? "+" : "") + top.offset() + ")");
        assertThat(l.out()).contains("form: lean");
        // From "call edges" on, both say the same: Go sees the same in both.
        assertThat(l.out().substring(l.out().indexOf("call edges"))).isEqualTo(f.out().substring(f.out().indexOf("call edges")));

        CliRun bad = CliRun.of("inspect", TestData.path("bad/truncated-gzip.bin").toString());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).startsWith("error: ").contains("truncated").hasLineCount(1);
        CliRun missing = CliRun.of("inspect", tmp.resolve("none.pgo").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).hasLineCount(1).doesNotContain("Exception");
        assertThat(CliRun.of("inspect").exit()).isEqualTo(2);
        CliRun tooLarge = CliRun.of("inspect", "--max-decompressed-bytes", "4294967296", fullFile.toString());
        assertThat(tooLarge.exit()).isEqualTo(2);
        assertThat(tooLarge.err()).startsWith("error: --max-decompressed-bytes=4294967296: expected").hasLineCount(1);
    }

    @Test
    void fetchLeanWithExcludesAndTheSizesOfBothForms() throws Exception {
        RunningCollector c = RunningCollector.start(tmp.resolve("collector"), Map.of());
        try {
            for (Path f : FILES) {
                assertThat(c.submit(Files.readAllBytes(f)).statusCode()).isEqualTo(204);
            }
            Path key = Files.writeString(tmp.resolve("merge_key"), RunningCollector.MERGE_KEY + "\n");
            Path out = tmp.resolve("default.pgo");
            MergedProfile full = full();
            String hot = CallEdges.of(full).edges().get(0).callee();
            String pattern = "^" + Pattern.quote(hot) + "$";
            CliRun r = CliRun.of("fetch", "--url", "http://127.0.0.1:" + c.port(), "--key-file", key.toString(), "-o",
                    out.toString(), "--lean", "--exclude", pattern, "--verbose");
            assertThat(r.exit()).as(r.err()).isZero();
            byte[] lean = ProfileWriter.write(LeanProfile.of(ExcludedFunctions.of(List.of(pattern)).apply(full)));
            assertThat(Files.readAllBytes(out)).isEqualTo(lean);
            long fullSize = ProfileWriter.write(full).length;
            assertThat(r.err()).contains(String.format("size: lean form %d bytes, full form %d bytes (", lean.length, fullSize));

            CliRun again = CliRun.of("fetch", "--url", "http://127.0.0.1:" + c.port(), "--key-file", key.toString(), "-o",
                    out.toString(), "--lean", "--exclude", pattern);
            assertThat(again.exit()).isZero();
            assertThat(again.err()).contains("unchanged");

            CliRun bad = CliRun.of("fetch", "--url", "http://127.0.0.1:" + c.port(), "--key-file", key.toString(), "-o",
                    out.toString(), "--exclude", "(");
            assertThat(bad.exit()).isEqualTo(2);
            assertThat(bad.err()).startsWith("error: --exclude: invalid pattern (: ");
        } finally {
            c.close();
        }
    }
}
