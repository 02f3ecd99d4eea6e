package dev.pgofleet.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.Gzip;
import dev.pgofleet.pprof.MergedProfile;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.pprof.ProfileWriter;
import dev.pgofleet.testing.Canonical;
import dev.pgofleet.testing.GoToolchain;
import dev.pgofleet.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our output against the real Go toolchain: go tool pprof reads it, and go build -pgo decides the same with it. */
class GoInteropTest {
    @TempDir
    static Path tmp;
    static GoToolchain go;

    @BeforeAll
    static void findGo() {
        go = GoToolchain.require(tmp);
    }

    private static MergedProfile merge(List<Path> files) throws Exception {
        return ParallelFold.mergeFiles(files, DecodeLimits.DEFAULT, true, 2, n -> {});
    }

    private static Path goMerge(List<Path> inputs, String name) {
        Path out = tmp.resolve(name);
        List<String> args = new ArrayList<>(List.of("tool", "pprof", "-proto", "-symbolize=none", "-output", out.toString()));
        inputs.forEach(p -> args.add(p.toString()));
        go.run(tmp, 300, args.toArray(String[]::new));
        return out;
    }

    @Test
    void goToolPprofParsesOurOutput() throws Exception {
        Path ours = tmp.resolve("ours-fleet.pprof");
        Files.write(ours, ProfileWriter.write(merge(TestData.fleet())));
        String raw = go.run(tmp, 120, "tool", "pprof", "-raw", "-symbolize=none", ours.toString());
        assertThat(raw).contains("PeriodType: cpu nanoseconds").contains("Samples:");
    }

    @Test
    void ourFleetMergeMatchesGoToolPprofSampleBySample() throws Exception {
        byte[] ours = ProfileWriter.write(merge(TestData.fleet()));
        byte[] theirs = Files.readAllBytes(goMerge(TestData.fleet(), "theirs-fleet.pprof"));
        assertThat(Canonical.of(ours)).isEqualTo(Canonical.of(theirs));
        assertThat(Gzip.gunzip(ours, Integer.MAX_VALUE - 8)).as("same protobuf bytes")
                .isEqualTo(Gzip.gunzip(theirs, Integer.MAX_VALUE - 8));
    }

    @Test
    void goBuildPgoDecidesTheSameWithOurMergeAndWithoutLabels() throws Exception {
        Path src = Path.of("src/test/go/pgoprog").toAbsolutePath();
        Path work = tmp.resolve("pgoprog");
        Files.createDirectories(work);
        for (String f : List.of("go.mod", "main.go")) {
            Files.copy(src.resolve(f), work.resolve(f));
        }
        Path prog = tmp.resolve("prog");
        go.run(work, 300, "build", "-o", prog.toString(), ".");
        List<Path> profiles = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            Path p = tmp.resolve("run" + i + ".pprof");
            GoToolchain.Exec.run(work, 60, Map.of(), List.of(prog.toString(), "-cpuprofile", p.toString(),
                    "-duration", "1s", "-seed", Integer.toString(i)));
            profiles.add(p);
        }
        MergedProfile merged = merge(profiles);
        Path ours = tmp.resolve("ours.pprof"), stripped = tmp.resolve("stripped.pprof");
        Files.write(ours, ProfileWriter.write(merged));
        Files.write(stripped, ProfileWriter.write(merged.withoutLabels()));
        Path theirs = goMerge(profiles, "theirs.pprof");
        assertThat(Canonical.of(Files.readAllBytes(theirs))).contains("{endpoint=/items}");

        String withTheirs = pgoDecisions(work, theirs, "theirs");
        String withOurs = pgoDecisions(work, ours, "ours");
        String withStripped = pgoDecisions(work, stripped, "stripped");
        assertThat(withTheirs).as("the profile changed the compiler's decisions").contains("hot-");
        assertThat(withOurs).isEqualTo(withTheirs);
        assertThat(withStripped).isEqualTo(withTheirs);
        System.out.printf("go build -pgo: %d PGO decisions, identical with Go's merge, ours and ours without labels%n",
                withTheirs.lines().count());
    }

    /** The compiler's PGO decisions for the main package, with a fresh build cache so nothing is skipped. */
    private static String pgoDecisions(Path work, Path profile, String name) {
        String out = go.exec(work, 600, Map.of("GOCACHE", tmp.resolve("gocache-" + name).toString()),
                "build", "-o", tmp.resolve("bin-" + name).toString(), "-pgo=" + profile, "-gcflags=-d=pgodebug=1", ".");
        try (Stream<String> lines = out.lines()) {
            return lines.filter(l -> !l.startsWith("#")).collect(Collectors.joining("\n"));
        }
    }
}
