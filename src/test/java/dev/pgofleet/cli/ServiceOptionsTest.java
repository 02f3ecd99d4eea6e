package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pgofleet.config.KeyRing;
import dev.pgofleet.server.AuthKeys;
import dev.pgofleet.server.CollectorServer;
import dev.pgofleet.store.MergeService;
import dev.pgofleet.testing.FakePprofTarget;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.TypeConversionException;

/** --service on submit, fetch, agent and top: what the requests carry, on a real socket. */
class ServiceOptionsTest {
    @TempDir
    Path tmp;
    private HttpServer fake;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private Path key;

    /** A request as the fake collector received it. */
    private record Seen(String method, String uri, String auth, String ifNoneMatch, byte[] body) {}

    /**
     * A collector stand-in that records every request; a merge answers the profile of its service
     * (inst001 for service=a, inst002 otherwise) with its SHA-256 as ETag, and 304 when If-None-Match holds it.
     */
    @BeforeEach
    void startFake() throws Exception {
        key = Files.writeString(tmp.resolve("key"), "# the key\nsecret a b\n");
        fake = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        fake.createContext("/", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            String uri = ex.getRequestURI().toString();
            String inm = ex.getRequestHeaders().getFirst("If-None-Match");
            seen.add(new Seen(ex.getRequestMethod(), uri, ex.getRequestHeaders().getFirst("Authorization"), inm, body));
            if (uri.startsWith("/v1/submit")) {
                ex.sendResponseHeaders(204, -1);
            } else {
                byte[] p = TestData.bytes(uri.contains("service=a") ? "profiles/fleet/inst001.pprof" : "profiles/fleet/inst002.pprof");
                String etag = "\"" + MergeService.sha256Hex(p) + "\"";
                ex.getResponseHeaders().set("ETag", etag);
                if (etag.equals(inm)) {
                    ex.sendResponseHeaders(304, -1);
                } else {
                    ex.sendResponseHeaders(200, p.length);
                    ex.getResponseBody().write(p);
                }
            }
            ex.close();
        });
        fake.start();
    }

    @AfterEach
    void stopFake() {
        fake.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + fake.getAddress().getPort();
    }

    @Test
    void submitAddsTheServiceToItsQueryAndNoneWithoutTheOption() throws Exception {
        Path f = TestData.path("profiles/fleet/inst003.pprof");
        CliRun r = CliRun.of("submit", "--url", url() + "/v1/submit", "--key-file", key.toString(), "--service", "checkout.api-v2",
                f.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        CliRun plain = CliRun.of("submit", "--url", url(), "--key-file", key.toString(), f.toString());
        assertThat(plain.exit()).as(plain.err()).isZero();
        assertThat(seen).extracting(Seen::uri).containsExactly("/v1/submit?service=checkout.api-v2", "/v1/submit");
        assertThat(seen.get(0).auth()).as("the key of the scoped line").isEqualTo("Bearer secret");
        assertThat(seen.get(0).body()).isEqualTo(Files.readAllBytes(f));
    }

    @Test
    void anInvalidServiceIsAUsageErrorBeforeAnyRequest() {
        for (String command : new String[] {"submit", "fetch", "top"}) {
            for (String bad : new String[] {"Checkout", "a/b", "..", "", "x".repeat(65), "a%2Fb"}) {
                List<String> args = new java.util.ArrayList<>(List.of(command, "--url", url(), "--key-file", key.toString(),
                        "--service", bad));
                if (command.equals("submit")) {
                    args.add(TestData.path("profiles/fleet/inst001.pprof").toString());
                } else if (command.equals("fetch")) {
                    args.addAll(List.of("-o", tmp.resolve("x.pgo").toString()));
                }
                CliRun r = CliRun.of(args.toArray(String[]::new));
                assertThat(r.exit()).as(command + " " + bad).isEqualTo(2);
                assertThat(r.err().lines().findFirst().orElseThrow()).as(command + " " + bad)
                        .startsWith("error: ").contains("--service", "'" + bad + "' is not a service name: ")
                        .doesNotContain("Exception");
            }
        }
        CliRun inUrl = CliRun.of("submit", "--url", url() + "/v1/submit?service=checkout", "--key-file", key.toString(),
                TestData.path("profiles/fleet/inst001.pprof").toString());
        assertThat(inUrl.exit()).isEqualTo(2);
        assertThat(inUrl.err()).contains("give the service with --service NAME");
        assertThat(seen).isEmpty();
    }

    @Test
    void fetchKeepsOtherParametersAndItsEtagPerOutputFile() throws Exception {
        Path a = tmp.resolve("a.pgo"), b = tmp.resolve("b.pgo");
        assertThat(fetch("a", a, "--since", "72h", "--strip-labels").exit()).isZero();
        assertThat(fetch("b", b).exit()).isZero();
        assertThat(a).hasBinaryContent(TestData.bytes("profiles/fleet/inst001.pprof"));
        assertThat(b).hasBinaryContent(TestData.bytes("profiles/fleet/inst002.pprof"));
        FileTime aTime = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(a, aTime);

        CliRun again = fetch("a", a);
        assertThat(again.exit()).isZero();
        assertThat(again.err()).contains("unchanged");
        assertThat(Files.getLastModifiedTime(a)).isEqualTo(aTime);
        assertThat(fetch("b", b).err()).contains("unchanged");

        assertThat(seen).extracting(Seen::uri).containsExactly("/v1/merge?since=72h&strip_labels=true&service=a",
                "/v1/merge?service=b", "/v1/merge?service=a", "/v1/merge?service=b");
        assertThat(seen).extracting(Seen::ifNoneMatch).containsExactly(null, null,
                "\"" + MergeService.sha256Hex(Files.readAllBytes(a)) + "\"", "\"" + MergeService.sha256Hex(Files.readAllBytes(b)) + "\"");
    }

    private CliRun fetch(String service, Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("fetch", "--url", url(), "--key-file", key.toString(),
                "--service", service, "-o", out.toString()));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void topMergesTheServiceNamed() {
        CliRun r = CliRun.of("top", "--url", url(), "--key-file", key.toString(), "--service", "a", "--since", "1h");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(seen).extracting(Seen::uri).containsExactly("/v1/merge?since=1h&service=a");
        CliRun file = CliRun.of("top", "--service", "a", TestData.path("profiles/fleet/inst001.pprof").toString());
        assertThat(file.exit()).isEqualTo(2);
        assertThat(file.err()).contains("--service takes --url");
    }

    @Test
    void theAgentSendsEachTargetsProfilesToItsServiceOrToServiceOptions() throws Exception {
        try (FakePprofTarget one = FakePprofTarget.fleet(); FakePprofTarget two = FakePprofTarget.fleet();
             FakePprofTarget three = FakePprofTarget.fleet()) {
            CliRun r = CliRun.of("agent", "--url", url(), "--key-file", key.toString(), "--service", "checkout",
                    "--target", one.url(), "--target", two.url() + "=payments",
                    "--target", three.url() + "/debug/pprof/profile?debug=0=search",
                    "--interval", "100ms", "--duration", "1s", "--cycles", "1");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(seen).extracting(Seen::uri).containsExactlyInAnyOrder("/v1/submit?service=checkout",
                    "/v1/submit?service=payments", "/v1/submit?service=search");
            assertThat(three.queries).containsExactly("debug=0&seconds=1");
            assertThat(r.err()).contains("submitted to service payments");
        }
    }

    @Test
    void theAgentWithoutServiceOptionsSendsNoService() throws Exception {
        try (FakePprofTarget one = FakePprofTarget.fleet()) {
            CliRun r = CliRun.of("agent", "--url", url(), "--key-file", key.toString(), "--target", one.url(),
                    "--interval", "100ms", "--duration", "1s", "--cycles", "1");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(seen).extracting(Seen::uri).containsExactly("/v1/submit");
        }
    }

    @Test
    void targetsSplitTheirServiceAtTheLastEqualsSignOnlyAfterACompleteQuery() {
        var c = new AgentCommand.TargetConverter();
        assertThat(c.convert("http://h:6060=checkout")).isEqualTo(new AgentCommand.Target(java.net.URI.create("http://h:6060"), "checkout"));
        assertThat(c.convert("http://h:6060")).isEqualTo(new AgentCommand.Target(java.net.URI.create("http://h:6060"), null));
        assertThat(c.convert("http://h:6060/debug/pprof/profile?a=1").service()).as("the query's own =").isNull();
        assertThat(c.convert("http://h:6060/debug/pprof/profile?a=1&b=2").url().getQuery()).isEqualTo("a=1&b=2");
        assertThat(c.convert("http://h:6060/debug/pprof/profile?a=1=x9").service()).isEqualTo("x9");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.convert("http://h:6060=Checkout"))
                .isInstanceOf(TypeConversionException.class).hasMessageContaining("'Checkout' is not a service name");
        CliRun bad = CliRun.of("agent", "--url", url(), "--key-file", key.toString(), "--target", "http://h:6060=a..b");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--target", "'a..b' is not a service name");
    }

    @Test
    void againstARealCollectorAScopedKeyIsAcceptedForItsServiceAndRefusedElsewhere() throws Exception {
        try (RunningCollector c = RunningCollector.start(tmp.resolve("c"), Map.of(), (config, keys) -> {
            Files.writeString(config.submitKeysFile(), "secret a b\n");
            Files.writeString(config.mergeKeysFile(), "msecret b\n");
            return CollectorServer.start(config, new AuthKeys(KeyRing.load("s", config.submitKeysFile()),
                    KeyRing.load("m", config.mergeKeysFile())));
        })) {
            String base = "http://127.0.0.1:" + c.port();
            Path f = TestData.path("profiles/fleet/inst001.pprof").toAbsolutePath();
            CliRun ok = CliRun.of("submit", "--url", base, "--key-file", key.toString(), "--service", "b", f.toString());
            assertThat(ok.exit()).as(ok.err()).isZero();
            CliRun refused = CliRun.of("submit", "--url", base, "--key-file", key.toString(), "--service", "c", f.toString());
            assertThat(refused.exit()).isEqualTo(3);
            assertThat(refused.err()).contains("rejected: HTTP 403 forbidden: this key may not use service 'c'");
            assertThat(c.storedCount()).isEqualTo(1);

            Path mkey = Files.writeString(tmp.resolve("mkey"), "msecret\n");
            Path out = Files.writeString(tmp.resolve("out.pgo"), "previous");
            CliRun denied = CliRun.of("fetch", "--url", base, "--key-file", mkey.toString(), "--service", "a", "-o", out.toString());
            assertThat(denied.exit()).isEqualTo(3);
            assertThat(denied.err()).contains("HTTP 403: forbidden: this key may not use service 'a'");
            assertThat(out).hasContent("previous");
            CliRun fetched = CliRun.of("fetch", "--url", base, "--key-file", mkey.toString(), "--service", "b", "-o", out.toString());
            assertThat(fetched.exit()).as(fetched.err()).isZero();
        }
    }
}
