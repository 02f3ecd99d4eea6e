package dev.pgofleet.cli;

import dev.pgofleet.pprof.CallEdges;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.ExcludedFunctions;
import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.pprof.GoString;
import dev.pgofleet.pprof.LeanProfile;
import dev.pgofleet.pprof.MergedProfile;
import dev.pgofleet.pprof.ProfileMerger;
import dev.pgofleet.pprof.ValidProfile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Prints what Go's PGO reader (Go 1.21-1.23) sees in a profile, full or lean: its size, samples and",
                "total weight, the call edges (caller, callee, line offset from the caller's start line), the hottest",
                "with their share, and how many are hot (the hottest edges that make up 99%% of the weight)."},
        footer = {"", "Examples:", "  pgo-fleet inspect default.pgo", "  pgo-fleet inspect --top 50 default.pgo",
                "", "Exit codes: 0 printed, 1 the file is unreadable or not a valid profile, 2 usage error."})
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--top", paramLabel = "N", defaultValue = "20", description = "How many of the hottest edges to list (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--max-decompressed-bytes", paramLabel = "N", defaultValue = "67108864",
            description = "Refuse a file that inflates to more than N bytes (default: ${DEFAULT-VALUE}).")
    long maxDecompressed;

    @Parameters(index = "0", paramLabel = "FILE", description = "A pprof CPU profile (gzipped or not), such as default.pgo.")
    Path file;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (top < 0) {
            err.println("error: --top=" + top + ": expected 0 or more");
            return PgoFleetCommand.EXIT_USAGE;
        }
        if (maxDecompressed <= 0 || maxDecompressed > Integer.MAX_VALUE - 8) {
            err.println("error: --max-decompressed-bytes=" + maxDecompressed + ": expected a number of bytes from 1 to "
                    + (Integer.MAX_VALUE - 8));
            return PgoFleetCommand.EXIT_USAGE;
        }
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            err.println(AtomicFiles.cannot("read", file, e));
            return 1;
        }
        ValidProfile profile;
        MergedProfile merged;
        CallEdges edges;
        try {
            profile = ValidProfile.parse(data, new DecodeLimits(Math.max(data.length, 1), maxDecompressed));
            ProfileMerger alone = new ProfileMerger();
            alone.add(profile);
            merged = alone.result();
            edges = CallEdges.of(merged);
        } catch (InvalidProfileException e) {
            err.println("error: " + file + ": " + e.getMessage());
            return 1;
        }
        out.print(report(data.length, profile, merged, edges));
        out.flush();
        return 0;
    }

    private String report(long size, ValidProfile profile, MergedProfile merged, CallEdges edges) {
        StringBuilder b = new StringBuilder();
        int weightType = weightType(merged);
        boolean lean = merged.samples().stream().allMatch(s -> s.locations().size() <= LeanProfile.FRAMES && s.labels().isEmpty());
        long excluded = merged.functions().stream().filter(f -> f.name().startsWith(ExcludedFunctions.PREFIX)).count();
        line(b, "%s: %,d bytes, %,d samples, total weight %,d %s", file, size, profile.sampleCount(),
                profile.total(weightType), merged.sampleTypes().get(weightType));
        line(b, "form: %s; %,d locations, %,d functions%s", lean ? "lean (at most two locations per sample, no labels)" : "full",
                merged.locations().size(), merged.functions().size(),
                excluded == 0 ? "" : String.format(Locale.ROOT, ", %d excluded (%s...)", excluded, ExcludedFunctions.PREFIX));
        if (!edges.hasStartLine() && !edges.edges().isEmpty()) {
            line(b, "warning: no function has a start line: Go refuses this profile for PGO (written by Go before 1.20?)");
        }
        int hot = edges.hotCount();
        line(b, "call edges Go sees: %,d, edge weight %,d", edges.edges().size(), edges.totalWeight());
        if (edges.edges().isEmpty()) {
            return b.toString();
        }
        line(b, "hot: %,d edges make up %.0f%% of the edge weight (each at least %.4f%% of it)", hot, CallEdges.HOT_CDF_PERCENT,
                edges.percent(edges.edges().get(hot - 1).weight()));
        int n = Math.min(top, edges.edges().size());
        if (n > 0) {
            line(b, "hottest %d:", n);
            line(b, "  %7s %12s  %s", "share", "weight", "caller -> callee (line offset from the caller's start line)");
            for (int i = 0; i < n; i++) {
                CallEdges.Edge e = edges.edges().get(i);
                line(b, "  %6.2f%% %,12d  %s -> %s (%+d)%s", edges.percent(e.weight()), e.weight(), GoString.display(e.caller()), GoString.display(e.callee()),
                        e.offset(), i < hot ? "" : "  (not hot)");
            }
        }
        return b.toString();
    }

    /** The sample type Go weighs edges by: the first samples/count or cpu/nanoseconds, else the first. */
    private static int weightType(MergedProfile p) {
        for (int i = 0; i < p.sampleTypes().size(); i++) {
            String t = p.sampleTypes().get(i).toString();
            if (t.equals("samples/count") || t.equals("cpu/nanoseconds")) {
                return i;
            }
        }
        return 0;
    }

    private static void line(StringBuilder b, String format, Object... args) {
        b.append(String.format(Locale.ROOT, format, args)).append('\n');
    }
}
