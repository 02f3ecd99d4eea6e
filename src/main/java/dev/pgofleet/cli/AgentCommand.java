package dev.pgofleet.cli;

import dev.pgofleet.config.GoDuration;
import dev.pgofleet.config.LogSettings;
import dev.pgofleet.config.ServiceName;
import dev.pgofleet.pprof.CpuProfileCheck;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.InvalidProfileException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "agent", mixinStandardHelpOptions = true,
        description = {"Profiles Go processes that expose net/http/pprof on a schedule and submits the profiles.",
                "For each target, a few seconds after start and then every interval (±10%% jitter, so a fleet",
                "does not align), it asks TARGET/debug/pprof/profile?seconds=DURATION for a CPU profile, checks it and submits it.",
                "Logs as the collector does (PGOF_LOG_FORMAT, PGOF_LOG_LEVEL), each time saying when the next profile is due.",
                "When the collector stays down, profiles wait in a bounded backlog (the oldest is dropped first).",
                "A failing target never stops the others. SIGTERM stops after the current submission."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:with --cycles, every profile delivered; or stopped by SIGTERM",
                "1:PGOF_LOG_LEVEL or PGOF_LOG_FORMAT is invalid",
                "2:usage error (an option or a --target URL is invalid)",
                "3:with --cycles, no profile was delivered (every target failed, or the collector refused)",
                "4:profiles were left undelivered because the collector was unreachable"},
        footer = {"", "Examples:",
                "  pgo-fleet agent --url http://collector:8080 --key-file /secret/submit_key \\",
                "      --target http://10.0.0.5:6060 --target http://10.0.0.6:6060/debug/pprof/profile --interval 1h --duration 5m",
                "  pgo-fleet agent --url http://collector:8080 --target http://localhost:6060 --interval 10m --duration 30s --cycles 1",
                "  pgo-fleet agent --url http://collector:8080 --service checkout --target http://10.0.0.5:6060 \\",
                "      --target http://10.0.0.7:6060=payments      # 10.0.0.5 for checkout, 10.0.0.7 for payments"})
final class AgentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Mixin
    ServiceOption service;

    @Option(names = "--target", required = true, paramLabel = "URL[=NAME]", converter = TargetConverter.class,
            description = {"A Go process's pprof endpoint (http://host:port or its /debug/pprof/profile URL); repeatable.",
                    "URL=NAME submits its profiles to service NAME (instead of --service's)."})
    List<Target> targets;

    @Option(names = "--interval", defaultValue = "1h", paramLabel = "DURATION", converter = ClientOptions.DurationConverter.class,
            description = "Time between profiles of one target (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--duration", defaultValue = "30s", paramLabel = "DURATION", converter = ClientOptions.DurationConverter.class,
            description = "Length of each CPU profile, whole seconds (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--backlog", defaultValue = "16", paramLabel = "N", description = "Profiles kept while the collector is down (default: ${DEFAULT-VALUE}).")
    int backlog;

    @Option(names = "--cycles", defaultValue = "0", paramLabel = "N", description = "Stop after N profiles per target (default: run until SIGTERM).")
    int cycles;

    /** The environment, for the log settings; tests replace it. */
    Map<String, String> env = System.getenv();

    /** The first profile of a target comes after a random delay up to this (or the interval, if shorter). */
    static final Duration FIRST_DELAY = Duration.ofSeconds(10);

    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicInteger delivered = new AtomicInteger();
    private LogSettings logSettings = LogSettings.DEFAULT;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private PrintWriter out;

    private record Pending(URI target, String service, int cycle, byte[] profile) {}

    /** A pprof endpoint and the service its profiles go to (null: --service's, or the collector's default). */
    record Target(URI url, String service) {}

    @Override
    public Integer call() throws InterruptedException {
        out = spec.commandLine().getErr();
        logSettings = Logging.configure(env, out);
        if (logSettings == null) {
            return 1;
        }
        if (interval.compareTo(Duration.ofMillis(1)) < 0) {
            throw new ParameterException(spec.commandLine(), "--interval must be at least 1ms, got " + GoDuration.format(interval));
        }
        if (duration.toSeconds() < 1 || duration.toNanosPart() != 0) {
            throw new ParameterException(spec.commandLine(), "--duration must be a whole number of seconds, at least 1s "
                    + "(net/http/pprof takes whole seconds), got " + GoDuration.format(duration));
        }
        if (backlog < 1) {
            throw new ParameterException(spec.commandLine(), "--backlog must be at least 1, got " + backlog);
        }
        if (cycles < 0) {
            throw new ParameterException(spec.commandLine(), "--cycles must be 0 (no limit) or more, got " + cycles);
        }
        CollectorClient collector = client.client(spec, this::log);
        List<Thread> profilers = new ArrayList<>();
        for (Target t : targets) {
            URI url = profileUrl(t.url());
            String to = t.service() != null ? t.service() : service.service;
            Thread th = new Thread(() -> profileLoop(url, to), "agent-" + url.getHost() + ":" + url.getPort());
            th.start();
            profilers.add(th);
        }
        Thread main = Thread.currentThread();
        Signals.on("TERM", () -> stop(profilers));
        Signals.on("INT", () -> stop(profilers));
        log("agent started: " + targets.size() + " target(s), every " + GoDuration.format(interval) + " ±10%, "
                + duration.toSeconds() + "s profiles");
        int undelivered = submitLoop(collector, profilers);
        log("agent stopped" + (undelivered > 0 ? ": " + undelivered + " profile(s) not delivered" : "")
                + ", " + delivered.get() + " delivered");
        if (stopping.get()) {
            return 0; // a requested stop; what was still queued is logged above
        }
        if (undelivered > 0) {
            return SubmitCommand.UNREACHABLE;
        }
        if (cycles > 0 && !stopping.get() && delivered.get() == 0) {
            log("no profile was delivered");
            return SubmitCommand.REJECTED;
        }
        return 0;
    }

    private void stop(List<Thread> profilers) {
        if (stopping.compareAndSet(false, true)) {
            log("stopping after the current submission");
            profilers.forEach(Thread::interrupt);
            synchronized (pending) {
                pending.notifyAll();
            }
        }
    }

    static URI profileUrl(URI target) {
        String s = target.toString();
        String path = target.getPath();
        if (path == null || path.isEmpty() || path.equals("/")) {
            s = s.replaceAll("/$", "") + "/debug/pprof/profile";
        }
        return URI.create(s);
    }

    private void profileLoop(URI url, String to) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        Duration wait = firstDelay(interval);
        for (int cycle = 1; !stopping.get() && (cycles == 0 || cycle <= cycles); cycle++) {
            log(url + ": " + (cycle == 1 ? "first" : "next") + " profile in " + GoDuration.format(wait) + ", at "
                    + Instant.now().plus(wait).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            wait = jittered(interval);
            URI request = URI.create(url + (url.getQuery() == null ? "?" : "&") + "seconds=" + duration.toSeconds());
            try {
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(request).timeout(duration.plusSeconds(60)).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("HTTP " + r.statusCode());
                }
                CpuProfileCheck.requireValid(r.body(), DecodeLimits.DEFAULT);
                enqueue(new Pending(url, to, cycle, r.body()));
                log(url + " cycle " + cycle + ": profiled " + duration.toSeconds() + "s, " + r.body().length + " bytes, queued");
            } catch (InterruptedException e) {
                return;
            } catch (InvalidProfileException e) {
                log(url + " cycle " + cycle + ": failed: not a CPU profile: " + e.getMessage());
            } catch (java.io.IOException e) {
                log(url + " cycle " + cycle + ": failed: " + CollectorClient.reason(e));
            } catch (IllegalStateException e) {
                log(url + " cycle " + cycle + ": failed: " + e.getMessage());
            } catch (RuntimeException e) { // never let one target's surprise end its loop
                log(url + " cycle " + cycle + ": failed: unexpected error"
                        + (e.getMessage() == null || e.getMessage().contains("Exception") ? "" : ": " + e.getMessage()));
            }
        }
    }

    private void enqueue(Pending p) {
        synchronized (pending) {
            while (pending.size() >= backlog) {
                Pending dropped = pending.removeFirst();
                log("backlog full (" + backlog + "): dropped the profile of " + dropped.target + " cycle " + dropped.cycle);
            }
            pending.addLast(p);
            pending.notifyAll();
        }
    }

    /**
     * Submits queued profiles oldest first; a profile stays queued while the collector is
     * unreachable. Returns the number of profiles left undelivered at the end (only with --cycles,
     * once no more profiles will come, or after SIGTERM).
     */
    private int submitLoop(CollectorClient collector, List<Thread> profilers) throws InterruptedException {
        while (true) {
            Pending next;
            synchronized (pending) {
                while (pending.isEmpty() && !stopping.get() && profilers.stream().anyMatch(Thread::isAlive)) {
                    pending.wait(200);
                }
                if (pending.isEmpty() || stopping.get()) {
                    return pending.size();
                }
                next = pending.peekFirst();
            }
            try {
                HttpResponse<byte[]> r = collector.post(ServiceOption.withService("/v1/submit", next.service), next.profile, null);
                boolean ok = r.statusCode() == 200 || r.statusCode() == 204;
                if (ok) {
                    delivered.incrementAndGet();
                }
                String outcome = ok ? "submitted" + (next.service == null ? "" : " to service " + next.service)
                        : "rejected by the collector: HTTP " + r.statusCode() + " " + new String(r.body()).trim();
                log(next.target + " cycle " + next.cycle + ": " + outcome);
                remove(next);
            } catch (CollectorClient.UnreachableException e) {
                log("collector unreachable, keeping " + pendingCount() + " profile(s): " + e.getMessage());
                if (profilers.stream().noneMatch(Thread::isAlive)) {
                    return pendingCount(); // --cycles done: nothing more will come, give up
                }
                if (!stopping.get()) {
                    Thread.sleep(Math.min(interval.toMillis(), 30_000));
                }
            }
        }
    }

    private void remove(Pending p) {
        synchronized (pending) {
            pending.remove(p);
        }
    }

    private int pendingCount() {
        synchronized (pending) {
            return pending.size();
        }
    }

    /** Soon after start, spread so that agents started together do not profile together. */
    private static Duration firstDelay(Duration interval) {
        long max = Math.min(interval.toMillis(), FIRST_DELAY.toMillis());
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(max + 1));
    }

    private static Duration jittered(Duration d) {
        double factor = 0.9 + 0.2 * ThreadLocalRandom.current().nextDouble();
        return Duration.ofMillis((long) (d.toMillis() * factor));
    }

    /** One log line, laid out as the collector's (text or JSON, by PGOF_LOG_FORMAT). */
    private void log(String line) {
        if (logSettings.level().equals("ERROR") || logSettings.level().equals("WARN")) {
            return; // the agent's lines are all INFO
        }
        String thread = Thread.currentThread().getName();
        String text = logSettings.json() ? LogLine.json(Instant.now(), "INFO", thread, "agent", line, Map.of(), null)
                : LogLine.text(Instant.now(), "INFO", thread, "agent", line);
        synchronized (out) {
            out.println(text);
            out.flush();
        }
    }

    /**
     * A Go process's pprof endpoint, an http(s) URL with a host, and optionally {@code =NAME}, its
     * service; checked at start rather than an interval later. The last {@code =} separates a service
     * when the text before it is a URL whose query, if any, gives every parameter a value
     * ({@code http://h:6060/debug/pprof/profile?a=1=checkout}); otherwise it is the URL's.
     */
    static final class TargetConverter implements ITypeConverter<Target> {
        @Override
        public Target convert(String value) {
            String url = value.trim();
            String name = null;
            int eq = url.lastIndexOf('=');
            if (eq > 0 && completeQuery(url.substring(0, eq))) {
                name = url.substring(eq + 1);
                url = url.substring(0, eq);
                String problem = ServiceName.problem(name);
                if (problem != null) {
                    throw new TypeConversionException("'" + value + "': '" + name + "' is not a service name: " + problem);
                }
            }
            URI u = ClientOptions.httpUrl(url, "http://10.0.0.5:6060");
            if (u.getRawFragment() != null) {
                throw new TypeConversionException("'" + value + "': expected a URL without #fragment");
            }
            return new Target(u, name);
        }

        /** No query, or one whose every parameter has a value: an {@code =} after it is not the query's. */
        private static boolean completeQuery(String url) {
            int q = url.indexOf('?');
            if (q < 0) {
                return true;
            }
            for (String param : url.substring(q + 1).split("&", -1)) {
                if (param.indexOf('=') < 0) {
                    return false;
                }
            }
            return true;
        }
    }
}
