package dev.pgofleet.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.CallEdges;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.ExcludedFunctions;
import dev.pgofleet.pprof.LeanProfile;
import dev.pgofleet.pprof.MergedProfile;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.pprof.ProfileWriter;
import dev.pgofleet.testing.GoToolchain;
import dev.pgofleet.testing.TestData;
import java.io.IOException;
import java.io.UncheckedIOException;
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

/**
 * The lean form and the exclude guards, proven with Go's own tools: {@code go tool preprofile}
 * (the compiler's view of a profile) gives byte-identical text for the lean and the full form,
 * and {@code go build -pgo} makes the same decisions with both. Builds share one Go build cache:
 * the compiled standard library is keyed by the preprofile output, so the lean build reuses what
 * the full build compiled and only the main package (made distinct per build by one empty file)
 * is compiled again, printing its decisions. The exclude test compiles the main package alone with
 * each profile ({@code go tool compile -pgoprofile}), so a guarded profile costs no second build of
 * the standard library.
 */
class GoLeanInteropTest {
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

    private static Path write(MergedProfile p, String name) throws IOException {
        Path out = tmp.resolve(name);
        Files.write(out, ProfileWriter.write(p));
        return out;
    }

    private static String preprofile(Path profile) {
        Path out = tmp.resolve(profile.getFileName() + ".preprofile");
        go.run(tmp, 120, "tool", "preprofile", "-i", profile.toString(), "-o", out.toString());
        try {
            return Files.readString(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lean and full give the same preprofile text; ours ({@link CallEdges}) is that text too. Returns {full, lean} sizes. */
    private static long[] assertSameCompilerView(MergedProfile full, String name) throws Exception {
        Path fullFile = write(full, name + ".full.pprof"), leanFile = write(LeanProfile.of(full), name + ".lean.pprof");
        String expected = preprofile(fullFile);
        assertThat(expected.lines().count()).as(name + ": the profile has call edges").isGreaterThan(1);
        assertThat(preprofile(leanFile)).as(name + ": go tool preprofile of the lean form").isEqualTo(expected);
        assertThat(CallEdges.of(full).preprofile()).as(name + ": our reading of the compiler's view").isEqualTo(expected);
        return new long[] {Files.size(fullFile), Files.size(leanFile)};
    }

    @Test
    void everyGoldenMergeHasTheSameCompilerViewLean() throws Exception {
        List<Path> golden;
        try (Stream<Path> s = Files.list(TestData.path("golden"))) {
            golden = s.filter(p -> p.toString().endsWith(".pprof")).sorted().toList();
        }
        assertThat(golden).hasSizeGreaterThanOrEqualTo(4);
        for (Path g : golden) {
            long[] size = assertSameCompilerView(merge(List.of(g)), g.getFileName().toString());
            assertThat(size[1]).as(g + ": lean is smaller").isLessThan(size[0]);
            System.out.printf("%s: full %,d bytes, lean %,d bytes (%.1fx), same go tool preprofile%n",
                    g.getFileName(), size[0], size[1], (double) size[0] / size[1]);
        }
    }

    /** Profiles recorded once for the tests below: the deep-stack program and the small one. */
    private static Path deep, small;

    private static synchronized void record() throws IOException {
        if (deep != null) {
            return;
        }
        Path deepDir = program("deepprog"), smallDir = program("pgoprog");
        deep = tmp.resolve("deep.pprof");
        small = tmp.resolve("small.pprof");
        // Until 3 s of CPU time are used (about 650 samples: the kernel ticks at 250 Hz), however busy the machine.
        GoToolchain.Exec.run(deepDir, 60, Map.of(), List.of(deepDir.resolve("prog").toString(), "-cpuprofile", deep.toString(),
                "-cpu", "3s"));
        GoToolchain.Exec.run(smallDir, 60, Map.of(), List.of(smallDir.resolve("prog").toString(), "-cpuprofile", small.toString(),
                "-duration", "1s"));
    }

    @Test
    void freshAndDeepProfilesBuildTheSameLeanAndFull() throws Exception {
        record();
        long[] deepSize = assertSameCompilerView(merge(List.of(deep)), "deepprog");
        assertSameCompilerView(merge(List.of(small)), "pgoprog");
        System.out.printf("deep stacks: full %,d bytes, lean %,d bytes (%.1fx smaller)%n", deepSize[0], deepSize[1],
                (double) deepSize[0] / deepSize[1]);
        assertThat(deepSize[0]).as("the lean form of the deep-stack profile is at least 5x smaller")
                .isGreaterThanOrEqualTo(5 * deepSize[1]);

        // One profile for both programs, as a fleet merge would be: the standard library is compiled once.
        MergedProfile both = merge(List.of(deep, small));
        Path full = write(both, "both.full.pprof"), lean = write(LeanProfile.of(both), "both.lean.pprof");
        assertThat(preprofile(lean)).isEqualTo(preprofile(full));
        for (String name : List.of("deepprog", "pgoprog")) {
            Path dir = program(name);
            String withFull = pgoDecisions(dir, full, "full");
            String withLean = pgoDecisions(dir, lean, "lean");
            assertThat(withFull).as(name + ": the profile changed the compiler's decisions").contains("hot-");
            assertThat(withLean).as(name + ": go build -pgo decisions with the lean form").isEqualTo(withFull);
            System.out.printf("%s: %d PGO decisions, identical with the full and the lean form%n", name, withFull.lines().count());
        }
    }

    @Test
    void anExcludedHotCalleeIsNeitherInlinedNorGivenABudgetAndNothingElseMoves() throws Exception {
        record();
        Path dir = program("deepprog");
        MergedProfile both = merge(List.of(deep, small));
        MergedProfile lean = LeanProfile.of(both);
        String baseline = compileDecisions(dir, write(lean, "both.lean.pprof"));
        assertThat(baseline).as("checksum is a hot callee without the guard")
                .contains("inlining for call main.checksum").contains("for func=main.checksum");

        ExcludedFunctions guard = ExcludedFunctions.of(List.of("^main\\.checksum$"));
        Path guarded = write(guard.apply(lean), "guarded.lean.pprof");
        assertThat(preprofile(write(guard.apply(both), "guarded.full.pprof"))).as("lean and full agree with the guard too")
                .isEqualTo(preprofile(guarded));
        String excluded = compileDecisions(dir, guarded);
        assertThat(excluded).doesNotContain("main.checksum");

        List<String> before = baseline.lines().toList(), after = excluded.lines().toList();
        assertThat(after.get(0)).as("the hot threshold does not move").startsWith("hot-callsite-thres-from-CDF=").isEqualTo(before.get(0));
        List<String> others = before.stream().filter(l -> !l.contains("main.checksum")).toList();
        assertThat(after).as("every other hot decision stays").containsAll(others);
        // A caller of checksum no longer spends its budget on it, so it may inline something else.
        List<String> callers = before.stream().filter(l -> l.contains("for call main.checksum"))
                .map(l -> l.substring(l.lastIndexOf(" in function "))).toList();
        assertThat(after.stream().filter(l -> !others.contains(l)))
                .as("what is new is inlined into a former caller of checksum")
                .allMatch(l -> callers.stream().anyMatch(l::endsWith));
        System.out.printf("exclude ^main\\.checksum$: %d decisions before, %d after, threshold %s kept%n",
                before.size(), after.size(), before.get(0));
    }

    /**
     * The main package's PGO decisions from the compiler run directly ({@code go tool compile
     * -pgoprofile}), against the standard library as built without a profile: only the main
     * package is compiled with each profile, where {@code go build -pgo} would compile the whole
     * standard library again for every profile with a new edge map.
     */
    private static String compileDecisions(Path dir, Path profile) throws IOException {
        Map<String, String> cache = Map.of("GOCACHE", tmp.resolve("gocache").toString());
        String exports = go.exec(dir, 300, cache, "list", "-export", "-deps", "-f",
                "{{if .Export}}packagefile {{.ImportPath}}={{.Export}}{{end}}", ".");
        Path importcfg = tmp.resolve("importcfg");
        Files.writeString(importcfg, exports.lines().filter(l -> l.startsWith("packagefile ")).collect(Collectors.joining("\n")) + "\n");
        String out = go.exec(dir, 300, cache, "tool", "compile", "-p", "main", "-importcfg", importcfg.toString(),
                "-pgoprofile=" + profile, "-d=pgodebug=1", "-o", tmp.resolve("main.a").toString(), "main.go");
        try (Stream<String> lines = out.lines()) {
            return lines.filter(l -> !l.startsWith("#")).collect(Collectors.joining("\n"));
        }
    }

    /** Copies a program from src/test/go and builds it (without PGO) to record profiles. */
    private static Path program(String name) throws IOException {
        Path work = tmp.resolve(name);
        if (Files.exists(work.resolve("prog"))) {
            return work;
        }
        Path src = Path.of("src/test/go", name).toAbsolutePath();
        Files.createDirectories(work);
        for (String f : List.of("go.mod", "main.go")) {
            Files.copy(src.resolve(f), work.resolve(f));
        }
        go.exec(work, 300, Map.of("GOCACHE", tmp.resolve("gocache").toString()), "build", "-o", "prog", ".");
        return work;
    }

    /**
     * The main package's PGO decisions. The empty file named for the build changes only the main
     * package's cache key, so it is compiled (and prints) every time, while the other packages
     * come from the shared cache whenever the preprofile output is one seen before.
     */
    private static String pgoDecisions(Path dir, Path profile, String build) throws IOException {
        List<Path> marks = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().startsWith("zz_build_")).forEach(marks::add);
        }
        for (Path m : marks) {
            Files.delete(m);
        }
        Files.writeString(dir.resolve("zz_build_" + build + ".go"), "package main\n\n// build " + build + "\n");
        String out = go.exec(dir, 600, Map.of("GOCACHE", tmp.resolve("gocache").toString()),
                "build", "-o", tmp.resolve("bin-" + build).toString(), "-pgo=" + profile, "-gcflags=-d=pgodebug=1", ".");
        try (Stream<String> lines = out.lines()) {
            return lines.filter(l -> !l.startsWith("#")).collect(Collectors.joining("\n"));
        }
    }
}
