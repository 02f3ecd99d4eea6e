package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The plain reading of merge-files arguments takes only what picocli reads the same way. */
class PlainMergeArgsTest {
    @ParameterizedTest
    @ValueSource(strings = {
        "-o out.pgo a.pprof",
        "--output out.pgo a.pprof b.pprof c.pprof",
        "a.pprof -o out.pgo b.pprof --strip-labels",
        "--strip-labels --any-type -j 3 --max-decompressed-bytes 1000 -o out.pgo a.pprof",
        "--threads 0 --max-decompressed-bytes 0 -o out.pgo a.pprof",
        "-o out.pgo -- -a.pprof - --strip-labels",
        "-o dir/with=sign.pgo a=b.pprof",
    })
    void readsPlainArgumentsAsPicocliDoes(String line) {
        String[] args = args(line);
        MergeFilesCommand plain = PlainMergeArgs.parse(args);
        assertThat(plain).as(line).isNotNull();
        assertThat(fields(plain)).isEqualTo(fields(picocli(args)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "a.pprof", // no output: picocli's error message
        "-o out.pgo", // no input
        "-o out.pgo a.pprof --help",
        "-h",
        "-V -o out.pgo a.pprof",
        "--output=out.pgo a.pprof",
        "-oout.pgo a.pprof",
        "-o out.pgo -o other.pgo a.pprof",
        "--strip-labels --strip-labels -o out.pgo a.pprof",
        "--any-type --any-type -o out.pgo a.pprof",
        "-j 2 --threads 2 -o out.pgo a.pprof",
        "-o out.pgo @list",
        "-o @out a.pprof",
        "-o out.pgo a.pprof -- @list",
        "-o --strip-labels a.pprof",
        "-o out.pgo -j",
        "-o out.pgo -j 010 a.pprof", // octal to Integer.decode
        "-o out.pgo -j 0x10 a.pprof",
        "-o out.pgo -j 9999999999 a.pprof",
        "-o out.pgo -j -1 a.pprof",
        "-o out.pgo --max-decompressed-bytes 1e6 a.pprof",
        "-o out.pgo - a.pprof",
        "-o out.pgo --no-such-option a.pprof",
        "-o out.pgo --strip a.pprof", // an abbreviation
    })
    void leavesEverythingElseToPicocli(String line) {
        assertThat(PlainMergeArgs.parse(args(line))).as(line).isNull();
    }

    @Test
    void leavesEmptyArgumentsAndOtherCommandsToPicocli() {
        assertThat(PlainMergeArgs.parse(new String[] {"merge-files", "-o", "out.pgo", ""})).isNull();
        assertThat(PlainMergeArgs.parse(new String[] {"merge-files", "-o", "", "a.pprof"})).isNull();
        assertThat(PlainMergeArgs.parse(new String[] {"submit", "-o", "out.pgo", "a.pprof"})).isNull();
    }

    /** Whatever the plain reading accepts, picocli accepts too, with the same values. */
    @Test
    void agreesWithPicocliOnRandomArgumentLists() {
        // Well-formed pieces, so that many lists are plain, and stray tokens that make them tricky.
        String[][] pieces = {{"-o", "out.pgo"}, {"--output", "o2.pgo"}, {"--strip-labels"}, {"--any-type"},
            {"--max-decompressed-bytes", "12"}, {"-j", "7"}, {"--threads", "0"}, {"--"}, {"a.pprof"}, {"b.pprof"},
            {"x y.pprof"}, {"-o"}, {"-j"}, {"010"}, {"-"}, {"@x"}, {"--output=o.pgo"}, {"-j4"}, {"-oo.pgo"}, {""},
            {"-h"}, {"--help"}, {"-V"}, {"--strip"}};
        int wellFormed = 11;
        Random random = new Random(42);
        int accepted = 0;
        for (int round = 0; round < 20_000; round++) {
            List<String> args = new ArrayList<>(List.of("merge-files"));
            for (int n = 1 + random.nextInt(7); n > 0; n--) {
                boolean stray = random.nextInt(8) == 0;
                args.addAll(List.of(pieces[stray ? random.nextInt(pieces.length) : random.nextInt(wellFormed)]));
            }
            String[] a = args.toArray(String[]::new);
            MergeFilesCommand plain = PlainMergeArgs.parse(a);
            if (plain != null) {
                accepted++;
                assertThat(fields(plain)).as(String.join(" ", args)).isEqualTo(fields(picocli(a)));
            }
        }
        assertThat(accepted).as("lists the plain reading took").isGreaterThan(2_000);
    }

    private static String[] args(String line) {
        List<String> args = new ArrayList<>(List.of("merge-files"));
        args.addAll(List.of(line.split(" ")));
        return args.toArray(String[]::new);
    }

    private static MergeFilesCommand picocli(String[] args) {
        CommandLine cl = PgoFleetCommand.commandLine("merge-files");
        CommandLine.ParseResult r = cl.parseArgs(args);
        return (MergeFilesCommand) r.subcommand().commandSpec().userObject();
    }

    private static List<Object> fields(MergeFilesCommand c) {
        return List.of(String.valueOf(c.output), c.stripLabels, c.anyType, c.maxDecompressed, String.valueOf(c.threads),
                c.inputs.toString());
    }
}
