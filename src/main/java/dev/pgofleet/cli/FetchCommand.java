package dev.pgofleet.cli;

import dev.pgofleet.config.GoDuration;
import dev.pgofleet.pprof.CpuProfileCheck;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.ExcludedFunctions;
import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.pprof.ValidProfile;
import dev.pgofleet.store.MergeService;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "fetch", mixinStandardHelpOptions = true,
        description = {"Fetches the merged profile from URL/v1/merge into a file, for release pipelines.",
                "Sends the SHA-256 of the existing file as If-None-Match (unchanged: the file is not touched),",
                "checks that the answer is a valid CPU profile, then replaces the file atomically."},
        footer = {"", "Examples:",
                "  pgo-fleet fetch --url http://collector:8080 --key-file /secret/merge_key -o default.pgo",
                "  pgo-fleet fetch --url http://collector:8080 --since 72h --strip-labels      # PGOF_KEY from the environment",
                "  pgo-fleet fetch --url http://collector:8080 --service checkout -o checkout/default.pgo",
                "  pgo-fleet fetch --url http://collector:8080 --lean --exclude '^runtime\\.gopark$' --verbose",
                "", "Exit codes: 0 written or unchanged, 1 the file cannot be read or written, 2 usage error, 3 the collector",
                "            refused or answered with something that is not a CPU profile (the file is left as it was),",
                "            4 unreachable."})
final class FetchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Mixin
    ServiceOption service;

    @Option(names = {"-o", "--output"}, defaultValue = "default.pgo", paramLabel = "FILE",
            description = "Where the profile goes; its directory must exist (default: ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--combine", description = "Also replace the stored profiles by this merge (and_combine=true).")
    boolean combine;

    @Option(names = "--since", paramLabel = "WINDOW", converter = WindowConverter.class,
            description = "Only profiles received in this window: a duration (72h, 1.5h, 30d) or an RFC 3339 time (2026-11-20T00:00:00Z).")
    String since;

    @Option(names = "--strip-labels", description = "The label-free (PGO-minimal) form.")
    boolean stripLabels;

    @Option(names = "--lean", description = "The lean PGO form (form=lean): only what Go 1.21-1.23's PGO reader reads; "
            + "the same build, a smaller file.")
    boolean lean;

    @Option(names = "--exclude", paramLabel = "REGEX", description = "Rename the functions whose name matches REGEX "
            + "so that Go's PGO makes no call edge into or out of them hot (exclude=REGEX); repeatable.")
    List<String> exclude = new ArrayList<>();

    @Option(names = {"-v", "--verbose"}, description = "Also print the size of the full form next to the form fetched.")
    boolean verbose;

    @Override
    public Integer call() throws InterruptedException, IOException {
        PrintWriter err = spec.commandLine().getErr();
        CollectorClient c = client.client(spec, err);
        Path dir = output.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            err.println("error: cannot write " + output + ": " + dir + (Files.exists(dir) ? " is not a directory" : " does not exist"));
            return 1;
        }
        List<String> query = new ArrayList<>();
        if (combine) {
            query.add("and_combine=true");
        }
        if (since != null) {
            query.add("since=" + URLEncoder.encode(since, StandardCharsets.UTF_8));
        }
        if (stripLabels) {
            query.add("strip_labels=true");
        }
        if (lean) {
            query.add("form=lean");
        }
        try {
            ExcludedFunctions.of(exclude);
        } catch (IllegalArgumentException e) {
            err.println("error: --exclude: " + e.getMessage());
            return PgoFleetCommand.EXIT_USAGE;
        }
        for (String x : exclude) {
            query.add("exclude=" + URLEncoder.encode(x, StandardCharsets.UTF_8));
        }
        String path = service.apply("/v1/merge" + (query.isEmpty() ? "" : "?" + String.join("&", query)));
        String etag;
        try {
            etag = currentEtag();
        } catch (IOException e) {
            err.println(AtomicFiles.cannot("read", output, e));
            return 1;
        }
        HttpResponse<byte[]> r;
        try {
            r = c.post(path, new byte[0], etag == null ? null : "\"" + etag + "\"", Progress.bytesOnTerminal(err, "received"));
            if (System.console() != null) {
                err.print("\r\033[K");
            }
        } catch (CollectorClient.UnreachableException e) {
            err.println("collector unreachable: " + e.getMessage());
            return SubmitCommand.UNREACHABLE;
        }
        if (r.statusCode() == 304) {
            err.println(output + ": unchanged (" + Files.size(output) + " bytes)");
            return 0;
        }
        if (r.statusCode() != 200) {
            err.println("collector answered HTTP " + r.statusCode() + ": " + new String(r.body()).trim() + "; " + output + " left as it was");
            return SubmitCommand.REJECTED;
        }
        int samples;
        try {
            CpuProfileCheck.requireValid(r.body(), DecodeLimits.DEFAULT);
            samples = ValidProfile.parse(r.body(), DecodeLimits.DEFAULT).sampleCount();
        } catch (InvalidProfileException e) {
            err.println("the collector's answer is not a CPU profile (" + e.getMessage() + "); " + output + " left as it was");
            return SubmitCommand.REJECTED;
        }
        try {
            AtomicFiles.replace(output, r.body());
        } catch (IOException e) {
            err.println(AtomicFiles.cannot("write", output, e));
            return 1;
        }
        err.println(output + ": wrote " + r.body().length + " bytes, " + samples + " samples"
                + r.headers().firstValue("X-Pgof-Profiles").map(n -> " from " + n + " profiles").orElse(""));
        if (verbose) {
            err.println(sizes(r.body().length, r.headers().firstValue("X-Pgof-Full-Bytes").orElse(null)));
        }
        return 0;
    }

    /** The sizes of the form fetched and of the full form, as the collector reports it. */
    private String sizes(long bytes, String fullHeader) {
        String name = lean ? "lean" : stripLabels ? "label-free" : exclude.isEmpty() ? "full" : "full (excludes applied)";
        long full;
        try {
            full = fullHeader == null ? -1 : Long.parseLong(fullHeader.trim());
        } catch (NumberFormatException e) {
            full = -1;
        }
        if (full <= 0) {
            return "size: " + name + " form " + bytes + " bytes (the collector does not report the full form's size)";
        }
        return String.format(java.util.Locale.ROOT, "size: %s form %d bytes, full form %d bytes (%.1fx)", name, bytes, full,
                (double) full / bytes);
    }

    /** A window the collector takes: checked here, before a round trip. */
    static final class WindowConverter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String s = value.trim();
            try {
                OffsetDateTime.parse(s);
                return s;
            } catch (DateTimeParseException notATime) {
                try {
                    if (GoDuration.parse(s).isNegative()) {
                        throw new TypeConversionException("'" + value + "': a window back from now cannot be negative");
                    }
                    return s;
                } catch (IllegalArgumentException e) {
                    throw new TypeConversionException("'" + value + "': expected a duration (72h, 1.5h, 30d) "
                            + "or an RFC 3339 time (2026-11-20T00:00:00Z)");
                }
            }
        }
    }

    private String currentEtag() throws IOException {
        try {
            return MergeService.sha256Hex(Files.readAllBytes(output));
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
