package dev.pgofleet.cli;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.ExcludedFunctions;
import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.pprof.MergedProfile;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.pprof.ProfileForm;
import dev.pgofleet.pprof.ProfileWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "merge-files",
        mixinStandardHelpOptions = true,
        description = {"Merges local pprof CPU profiles into one, as 'go tool pprof -proto' does, and writes it atomically."},
        footer = {"", "Examples:",
                "  pgo-fleet merge-files -o default.pgo a.pprof b.pprof",
                "  pgo-fleet merge-files --strip-labels -o default.pgo profiles/*.pprof",
                "  pgo-fleet merge-files --lean --exclude '^runtime\\.gopark$' -o default.pgo profiles/*.pprof",
                "", "With " + BatchJvm.MIN_ARGS + " arguments or more it runs in a child JVM set up for a short batch job",
                "(" + BatchJvm.DEFAULT_FLAGS + ", then your JVM options); PGOF_BATCH_JVM_FLAGS sets other flags, empty keeps one JVM.",
                "", "Exit codes: 0 merged, 1 an input is unreadable or not a valid CPU profile, or OUT cannot be written,",
                "            2 usage error."})
public final class MergeFilesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "Where to write the merged profile (gzipped pprof).")
    Path output;

    @Option(names = "--strip-labels", description = "Remove all labels and combine the samples that become identical (PGO-minimal; the Go compiler ignores labels).")
    boolean stripLabels;

    @Option(names = "--lean", description = "The lean PGO form: each sample's two leaf-most locations, no labels, "
            + "identical samples summed; go tool preprofile (Go 1.21-1.23) reads the same as from the full merge.")
    boolean lean;

    @Option(names = "--exclude", paramLabel = "REGEX", description = "Rename the functions whose name matches REGEX "
            + "(prefix " + ExcludedFunctions.PREFIX + ") so that Go's PGO makes no call edge into or out of them hot; repeatable.")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--any-type", description = "Accept profiles other than CPU profiles (they must still share sample types).")
    boolean anyType;

    @Option(names = "--max-decompressed-bytes", paramLabel = "N", defaultValue = "67108864",
            description = "Refuse an input that inflates to more than N bytes (default: ${DEFAULT-VALUE}).")
    long maxDecompressed = DecodeLimits.DEFAULT_MAX_DECOMPRESSED;

    @Option(names = {"-j", "--threads"}, paramLabel = "N", description = "Threads, each decoding; one also folds, in input order (default: the number of cores).")
    Integer threads;

    @Parameters(arity = "1..*", paramLabel = "IN", description = "Input profiles, merged in this order.")
    List<Path> inputs;

    @Override
    public Integer call() {
        return run(spec.commandLine().getErr());
    }

    /**
     * Runs {@code merge-files} when its arguments take the plain form {@link PlainMergeArgs}
     * reads, without building picocli's model; empty when picocli is to read them.
     */
    public static OptionalInt runIfPlain(String[] args) {
        MergeFilesCommand c = PlainMergeArgs.parse(args);
        // picocli's own error writer: the platform charset, flushed on each line
        return c == null ? OptionalInt.empty() : OptionalInt.of(c.run(new PrintWriter(System.err, true)));
    }

    int run(PrintWriter err) {
        ProfileForm form;
        try {
            form = new ProfileForm(lean, stripLabels, ExcludedFunctions.of(exclude));
        } catch (IllegalArgumentException e) {
            err.println("error: --exclude: " + e.getMessage());
            return PgoFleetCommand.EXIT_USAGE;
        }
        DecodeLimits limits = new DecodeLimits(Math.max(DecodeLimits.DEFAULT_MAX_COMPRESSED, maxDecompressed), maxDecompressed);
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        long start = System.nanoTime();
        Progress progress = Progress.onTerminal(err, "merged", inputs.size());
        MergedProfile merged;
        try {
            merged = ParallelFold.mergeFiles(inputs, limits, !anyType, n, progress);
            merged = form.apply(merged);
        } catch (ParallelFold.InputException | InvalidProfileException e) {
            progress.finish();
            err.println("error: " + e.getMessage());
            return 1;
        }
        progress.finish();
        byte[] bytes = ProfileWriter.write(merged);
        try {
            AtomicFiles.replace(output, bytes);
        } catch (IOException e) {
            err.println(AtomicFiles.cannot("write", output, e));
            return 1;
        }
        // Concatenation, not printf: a Formatter loads locale data, which a one-shot run notices.
        err.println("merged " + inputs.size() + " profiles into " + output + ": " + merged.samples().size() + " samples, "
                + bytes.length + " bytes, " + (System.nanoTime() - start) / 1_000_000 + " ms");
        return 0;
    }
}
