package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.pprof.ProfileWriter;
import dev.pgofleet.testing.TestData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** merge-files gives the same files, messages and exit codes whether picocli reads its arguments or not. */
class MergeFilesCommandTest {
    @TempDir
    Path tmp;

    @Test
    void mergesTheSameWithAndWithoutPicocli() throws Exception {
        List<Path> fleet = TestData.fleet();
        byte[] expected = ProfileWriter.write(ParallelFold.mergeFiles(fleet, DecodeLimits.DEFAULT, true, 2, n -> {}));
        for (boolean plain : new boolean[] {true, false}) {
            Path out = tmp.resolve(plain + ".pgo");
            CliRun r = run(plain, args(out, fleet));
            assertThat(r.exit()).isZero();
            assertThat(r.err()).startsWith("merged 24 profiles into " + out + ": ");
            assertThat(Files.readAllBytes(out)).isEqualTo(expected);
        }
    }

    @Test
    void aBadInputStopsItWithItsNameAndExitCode1() throws Exception {
        Path bad = TestData.path("bad/truncated-gzip.bin");
        List<Path> inputs = new ArrayList<>(TestData.fleet());
        inputs.add(bad);
        for (boolean plain : new boolean[] {true, false}) {
            Path out = tmp.resolve(plain + ".pgo");
            CliRun r = run(plain, args(out, inputs));
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).isEqualTo("error: " + bad + ": gzip stream is truncated" + System.lineSeparator());
            assertThat(out).doesNotExist();
        }
    }

    @Test
    void anOutputThatCannotBeWrittenIsOneLineAndExitCode1() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        Path out = file.resolve("merged.pgo"); // its directory would be a file
        for (boolean plain : new boolean[] {true, false}) {
            CliRun r = run(plain, args(out, TestData.fleet()));
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).startsWith("error: cannot write " + out + ": ").doesNotContain("\tat ").hasLineCount(1);
        }
    }

    private static String[] args(Path out, List<Path> inputs) {
        List<String> args = new ArrayList<>(List.of("merge-files", "-o", out.toString()));
        inputs.forEach(f -> args.add(f.toString()));
        return args.toArray(String[]::new);
    }

    private static CliRun run(boolean plain, String[] args) {
        if (!plain) {
            return CliRun.of(args);
        }
        StringWriter err = new StringWriter();
        MergeFilesCommand c = PlainMergeArgs.parse(args);
        assertThat(c).isNotNull();
        int exit = c.run(new PrintWriter(err, true));
        return new CliRun(exit, "", err.toString());
    }
}
