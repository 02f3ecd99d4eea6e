package dev.pgofleet.bench;

import dev.pgofleet.pprof.proto.ProfileProto;
import dev.pgofleet.testing.HeadlessChromium;
import dev.pgofleet.testing.Profiles;
import dev.pgofleet.testing.RunningCollector;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page against a profile of {@code FRAMES} distinct functions: sizes and times of the
 * summary, the flame graph (folded at the default min_share, and whole), the page's files, and
 * the page's load in headless chromium (click on Load until the table and the graph are drawn).
 * Usage: {@code java -cp target/test-classes:target/classes:DEPS dev.pgofleet.bench.PageLoad [FRAMES] [RUNS]}
 */
public final class PageLoad {
    public static void main(String[] args) throws Exception {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        byte[] profile = make(frames, 42);
        System.out.printf("profile: %,d functions, %,d bytes gzipped%n", frames, profile.length);
        Path dir = Files.createTempDirectory("pgof-pageload");
        RunningCollector c = RunningCollector.start(dir, Map.of("PGOF_MAX_BODY_BYTES", "67108864"));
        try {
            HttpResponse<String> s = c.submit(profile);
            if (s.statusCode() != 204) {
                throw new IllegalStateException("submit: " + s.statusCode() + " " + s.body());
            }
            for (String q : new String[] {"/v1/summary", "/v1/flamegraph", "/v1/flamegraph?min_share=0"}) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = get(c, q);
                long first = System.nanoTime() - t0;
                t0 = System.nanoTime();
                get(c, q);
                System.out.printf("%-28s %,10d bytes  first %6.0f ms, again %5.0f ms%n", q, r.body().length(), first / 1e6,
                        (System.nanoTime() - t0) / 1e6);
            }
            long page = 0;
            for (String a : new String[] {"/ui/", "/ui/app.js", "/ui/app.css", "/ui/d3.min.js"}) {
                page += get(c, a).body().length();
            }
            System.out.printf("page files: %,d bytes%n", page);
            ChromeDriver browser = HeadlessChromium.start(dir.resolve("downloads"));
            try {
                for (int i = 0; i < runs; i++) {
                    browser.get(c.uri("/ui/").toString());
                    browser.findElement(By.id("key")).sendKeys(RunningCollector.MERGE_KEY);
                    long t0 = System.nanoTime();
                    browser.findElement(By.id("load")).click();
                    new WebDriverWait(browser, Duration.ofSeconds(60)).until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Loaded"));
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    Object nodes = browser.executeScript("return document.querySelectorAll('#flame g.frame').length");
                    System.out.printf("page load %d: %d ms to the drawn table and graph (%s frames drawn)%n", i + 1, ms, nodes);
                    browser.executeScript("sessionStorage.clear()");
                }
            } finally {
                browser.quit();
            }
        } finally {
            c.close();
        }
    }

    private static HttpResponse<String> get(RunningCollector c, String q) {
        return c.send(HttpRequest.newBuilder(c.uri(q)).header("Authorization", "Bearer " + RunningCollector.MERGE_KEY).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A valid gzipped Go CPU profile with {@code functions} distinct functions (one location each),
     * every one on some stack; stacks 8 to 40 deep below runtime.goexit and main.main, values skewed
     * so that a few paths are hot, as in real services.
     */
    public static byte[] make(int functions, long seed) {
        Random rnd = new Random(seed);
        ProfileProto.Profile.Builder b = ProfileProto.Profile.newBuilder();
        b.addStringTable("");
        b.addStringTable("samples");
        b.addStringTable("count");
        b.addStringTable("cpu");
        b.addStringTable("nanoseconds");
        b.addStringTable("/srv/bigsvc");
        b.addStringTable("0123456789abcdef");
        b.addSampleType(ProfileProto.ValueType.newBuilder().setType(1).setUnit(2));
        b.addSampleType(ProfileProto.ValueType.newBuilder().setType(3).setUnit(4));
        b.setPeriodType(ProfileProto.ValueType.newBuilder().setType(3).setUnit(4));
        b.setPeriod(10_000_000);
        b.setDurationNanos(60_000_000_000L);
        b.setTimeNanos(1_764_000_000_000_000_000L);
        b.addMapping(ProfileProto.Mapping.newBuilder().setId(1).setMemoryStart(0x400000).setMemoryLimit(0x400000 + (functions + 2) * 64L)
                .setFilename(5).setBuildId(6).setHasFunctions(true));
        int total = functions + 2;
        for (int i = 1; i <= total; i++) {
            String name = i == 1 ? "runtime.goexit" : i == 2 ? "main.main"
                    : "example.com/bigsvc/pkg" + (i % 97) + ".(*T" + (i % 13) + ").Method" + i;
            b.addStringTable(name);
            b.addStringTable("/src/bigsvc/pkg" + (i % 97) + "/f.go");
            int nameIdx = b.getStringTableCount() - 2;
            b.addFunction(ProfileProto.Function.newBuilder().setId(i).setName(nameIdx).setSystemName(nameIdx)
                    .setFilename(nameIdx + 1).setStartLine(10));
            b.addLocation(ProfileProto.Location.newBuilder().setId(i).setMappingId(1).setAddress(0x400000 + i * 64L)
                    .addLine(ProfileProto.Line.newBuilder().setFunctionId(i).setLine(12)));
        }
        int next = 3;
        while (next <= total) {
            int depth = 8 + rnd.nextInt(33);
            long[] stack = new long[depth];
            stack[depth - 1] = 1;
            stack[depth - 2] = 2;
            // The upper frames come from a small hot set; the deeper ones walk every function once.
            for (int d = depth - 3; d >= 0; d--) {
                boolean hot = d > depth / 2;
                stack[d] = hot ? 3 + rnd.nextInt(Math.min(200, total - 2)) : Math.min(next++, total);
            }
            long weight = 1 + (long) Math.floor(Math.pow(rnd.nextDouble(), 8) * 400);
            ProfileProto.Sample.Builder s = ProfileProto.Sample.newBuilder().addValue(weight).addValue(weight * 10_000_000L);
            for (long id : stack) {
                s.addLocationId(id);
            }
            b.addSample(s);
        }
        return Profiles.gzip(b.build().toByteArray());
    }
}
