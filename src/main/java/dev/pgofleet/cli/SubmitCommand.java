package dev.pgofleet.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "submit", mixinStandardHelpOptions = true,
        description = "Posts each profile to URL/v1/submit, retrying 503/429 (after Retry-After) and connection errors.",
        footer = {"", "Examples:",
                "  pgo-fleet submit --url http://collector:8080 --key-file /secret/submit_key cpu.pprof",
                "  PGOF_KEY=... pgo-fleet submit --url http://collector:8080 prof/*.pprof",
                "  pgo-fleet submit --url http://collector:8080 --service checkout --key-file /secret/submit_key cpu.pprof",
                "", "Exit codes: 0 all accepted, 2 usage error, 3 a file was rejected (the reason is printed),",
                "            4 the collector was unreachable after retries."})
final class SubmitCommand implements Callable<Integer> {
    static final int REJECTED = 3, UNREACHABLE = 4;

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Mixin
    ServiceOption service;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Profiles to submit, in this order.")
    List<Path> files;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        CollectorClient c = client.client(spec, err);
        int rejected = 0;
        for (Path f : files) {
            byte[] body;
            try {
                body = Files.readAllBytes(f);
            } catch (IOException e) {
                err.println(AtomicFiles.cannot("read", f, e));
                rejected++;
                continue;
            }
            try {
                HttpResponse<byte[]> r = c.post(service.apply("/v1/submit"), body, null);
                if (r.statusCode() == 200 || r.statusCode() == 204) {
                    err.println(f + ": accepted (" + body.length + " bytes)");
                } else {
                    err.println(f + ": rejected: HTTP " + r.statusCode() + " " + new String(r.body()).trim());
                    rejected++;
                }
            } catch (CollectorClient.UnreachableException e) {
                err.println(f + ": collector unreachable: " + e.getMessage());
                return UNREACHABLE;
            }
            err.flush();
        }
        return rejected > 0 ? REJECTED : 0;
    }
}
