package dev.pgofleet.cli;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.pprof.MergedProfile;
import dev.pgofleet.pprof.ProfileMerger;
import dev.pgofleet.pprof.ValidProfile;
import dev.pgofleet.pprof.CpuProfileCheck;
import dev.pgofleet.report.TopFunctions;
import dev.pgofleet.report.TopText;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "top", mixinStandardHelpOptions = true,
        description = {"Prints the hottest functions of a CPU profile, or of the collector's merge, as",
                "'go tool pprof -top -sample_index=cpu' does (same figures, order and format)."},
        footer = {"", "Examples:",
                "  pgo-fleet top default.pgo",
                "  pgo-fleet top -n 50 --cum cpu.pprof",
                "  pgo-fleet top --url http://collector:8080 --key-file /secret/merge_key --since 72h",
                "", "Exit codes: 0 printed, 1 the file cannot be read or is not a CPU profile, 2 usage error,",
                "            3 the collector refused (or has nothing stored), 4 unreachable."})
final class TopCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "A pprof CPU profile (gzipped or not); or give --url.")
    Path file;

    /** The collector's merge instead of a file: --url, --key-file, --retries and --backoff as fetch takes them. */
    @ArgGroup(exclusive = false)
    ClientOptions client;

    @Mixin
    ServiceOption service;

    @Option(names = "--since", paramLabel = "WINDOW", converter = FetchCommand.WindowConverter.class, description = "Only profiles received in this window: a duration (72h) or an RFC 3339 time.")
    String since;

    @Option(names = "-n", paramLabel = "N", defaultValue = "20", description = "Functions to show, 0 for all (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--cum", description = "Sort by cumulative instead of flat.")
    boolean cum;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        if ((file == null) == (client == null)) {
            throw new ParameterException(spec.commandLine(), "give either FILE or --url BASE");
        }
        if (file != null && service.service != null) {
            throw new ParameterException(spec.commandLine(), "--service takes --url: a file is one service's profile already");
        }
        if (count < 0) {
            throw new ParameterException(spec.commandLine(), "-n must be 0 or more, got " + count);
        }
        MergedProfile profile;
        if (file != null) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException e) {
                err.println(AtomicFiles.cannot("read", file, e));
                return 1;
            }
            profile = parse(bytes, file.toString(), err);
            if (profile == null) {
                return 1;
            }
        } else {
            CollectorClient c = client.client(spec, err);
            String path = service.apply("/v1/merge" + (since == null ? "" : "?since=" + URLEncoder.encode(since, StandardCharsets.UTF_8)));
            HttpResponse<byte[]> r;
            try {
                r = c.post(path, new byte[0], null);
            } catch (CollectorClient.UnreachableException e) {
                err.println("collector unreachable: " + e.getMessage());
                return SubmitCommand.UNREACHABLE;
            }
            if (r.statusCode() != 200) {
                err.println("collector answered HTTP " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8).trim());
                return SubmitCommand.REJECTED;
            }
            profile = parse(r.body(), "the collector's answer", err);
            if (profile == null) {
                return SubmitCommand.REJECTED;
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(TopText.format(TopFunctions.of(profile), count, cum));
        out.flush();
        return 0;
    }

    private static MergedProfile parse(byte[] bytes, String what, PrintWriter err) {
        try {
            CpuProfileCheck.requireValid(bytes, DecodeLimits.DEFAULT);
            ProfileMerger merger = new ProfileMerger();
            merger.add(ValidProfile.parse(bytes, DecodeLimits.DEFAULT));
            return merger.result();
        } catch (InvalidProfileException e) {
            err.println(what + ": not a CPU profile: " + e.getMessage());
            return null;
        }
    }
}
