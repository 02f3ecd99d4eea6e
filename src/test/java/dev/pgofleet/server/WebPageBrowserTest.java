package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.testing.HeadlessChromium;
import dev.pgofleet.testing.RunningCollector;
import dev.pgofleet.testing.TestData;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The web page in a real headless chromium against a running collector. */
class WebPageBrowserTest {
    @TempDir
    static Path tmp;
    static RunningCollector c;
    static ChromeDriver browser;
    static Path downloads;

    @BeforeAll
    static void start() throws Exception {
        downloads = Files.createDirectories(tmp.resolve("downloads"));
        browser = HeadlessChromium.start(downloads);
        c = RunningCollector.start(tmp.resolve("collector"), Map.of());
        for (Path f : TestData.goldenInputs("fleet-24")) {
            assertThat(c.submit(Files.readAllBytes(f)).statusCode()).isEqualTo(204);
        }
        byte[] marked = ViewsSocketTest.withHottestFunctionNamed(TestData.bytes("profiles/fleet/inst001.pprof"), ViewsSocketTest.XSS);
        for (int i = 0; i < 6; i++) { // heavy enough to be among the top functions
            assertThat(c.submit(marked).statusCode()).isEqualTo(204);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (c != null) {
            c.close();
        }
    }

    WebDriverWait waiting() {
        return new WebDriverWait(browser, Duration.ofSeconds(30));
    }

    Map<String, Object> summary() {
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(c.uri("/v1/summary?top=200"))
                .header("Authorization", "Bearer " + RunningCollector.MERGE_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        return ViewsSocketTest.json(r.body());
    }

    void openAndLoad() {
        browser.get(c.uri("/ui/").toString());
        WebElement key = browser.findElement(By.id("key"));
        key.clear();
        key.sendKeys(RunningCollector.MERGE_KEY);
        browser.findElement(By.id("load")).click();
        waiting().until(ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector("#top-table tbody tr"), 0));
        waiting().until(ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector("#flame g.frame"), 1));
    }

    @Test
    void keyInTopTableFlameGraphZoomSearchAndLeanDownload() throws Exception {
        openAndLoad();
        Map<String, Object> s = summary();
        String first = ViewsSocketTest.at(s, "top", 0, "name");
        assertThat(browser.findElement(By.cssSelector("#top-table tbody tr:first-child td.name")).getText()).isEqualTo(first);
        assertThat(browser.findElement(By.id("status")).getText()).contains("Loaded 30 profiles");
        assertThat(browser.findElements(By.cssSelector("#builds tbody tr"))).hasSize(1);
        assertThat((String) browser.executeScript("return sessionStorage.getItem('pgof-merge-key')")).isEqualTo(RunningCollector.MERGE_KEY);
        assertThat((String) browser.executeScript("return document.cookie")).isEmpty();

        // Sorting: by cum (descending), then by name (ascending).
        browser.findElement(By.cssSelector("#top-table th[data-key=cum]")).click();
        List<Double> cums = browser.findElements(By.cssSelector("#top-table tbody tr td:nth-child(6)")).stream()
                .map(td -> Double.parseDouble(td.getText().replace("%", ""))).toList();
        assertThat(cums).hasSize(200).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        browser.findElement(By.cssSelector("#top-table th[data-key=name]")).click();
        List<String> names = browser.findElements(By.cssSelector("#top-table tbody td.name")).stream().map(WebElement::getText).toList();
        assertThat(names).first().isNotEqualTo(first);
        assertThat(names.get(0).compareToIgnoreCase(names.get(names.size() - 1))).isNegative();
        browser.findElement(By.cssSelector("#top-table th[data-key=rank]")).click();
        assertThat(browser.findElement(By.cssSelector("#top-table tbody tr:first-child td.name")).getText()).isEqualTo(first);

        // Click a frame one level below the root that does not fill the width: it zooms to the full width.
        double width = Double.parseDouble(browser.findElement(By.cssSelector("#flame svg")).getAttribute("width"));
        WebElement frame = null;
        for (WebElement g : browser.findElements(By.cssSelector("#flame g.frame"))) {
            String t = g.getAttribute("transform");
            double w = Double.parseDouble(g.findElement(By.tagName("rect")).getAttribute("width"));
            if (t.endsWith(",18)") && w < width / 2 && w > 30) {
                frame = g;
                break;
            }
        }
        assertThat(frame).as("a narrow frame at depth 1").isNotNull();
        String name = frame.findElement(By.tagName("text")).getText();
        new org.openqa.selenium.interactions.Actions(browser).moveToElement(frame.findElement(By.tagName("rect"))).click().perform();
        WebElement zoomed = frame;
        waiting().until(d -> Math.abs(Double.parseDouble(zoomed.findElement(By.tagName("rect")).getAttribute("width")) - width) < 0.5);
        assertThat(zoomed.getAttribute("transform")).startsWith("translate(0,");
        assertThat(browser.findElement(By.id("tooltip")).getText()).contains("flat").contains("cum").contains("%");
        assertThat(name).isNotEmpty();
        browser.findElement(By.id("reset-zoom")).click();

        // Search the hottest function by cum among those whose name is plain: its share is shown.
        List<Object> top = ViewsSocketTest.at(s, "top");
        String target = null;
        double cumPercent = 0;
        for (Object row : top) {
            String n = ViewsSocketTest.at(row, "name");
            if (n.matches("[A-Za-z0-9_./]+") && !n.equals("runtime.goexit")) {
                target = n;
                cumPercent = ((Number) ViewsSocketTest.at(row, "cum_percent")).doubleValue();
                break;
            }
        }
        assertThat(target).isNotNull();
        WebElement search = browser.findElement(By.id("search"));
        search.sendKeys("^" + target.replace(".", "\\.") + "$");
        waiting().until(d -> !d.findElement(By.id("search-result")).getText().isEmpty());
        String shown = browser.findElement(By.id("search-result")).getText();
        Matcher m = Pattern.compile("matches: ([\\d.]+)% of CPU").matcher(shown);
        assertThat(m.find()).as(shown).isTrue();
        // The flame graph folds frames below 0.1% of the total, so its share can be below cum; the exact figure follows.
        assertThat(Double.parseDouble(m.group(1))).isBetween(cumPercent - 3.0, cumPercent + 0.01);
        assertThat(shown).endsWith(target + ": cum " + String.format(java.util.Locale.ROOT, "%.2f", cumPercent) + "% exactly");
        assertThat(browser.findElements(By.cssSelector("#flame g.frame.match"))).isNotEmpty();
        search.clear();

        // The lean download is the collector's lean form for the selection.
        browser.findElement(By.id("download-lean")).click();
        Path lean = downloads.resolve("default-lean.pgo");
        waiting().until(d -> Files.exists(lean) && !Files.exists(downloads.resolve("default-lean.pgo.crdownload")));
        assertThat(Files.readAllBytes(lean)).isEqualTo(c.merge("?form=lean").body());
        assertThat(browser.findElement(By.id("status")).getText()).startsWith("Downloaded default-lean.pgo");
        // No CSP violation, no script error; the only failed request is /v1/services, which this collector lacks.
        assertThat(browser.manage().logs().get(LogType.BROWSER).getAll()).as("console errors")
                .filteredOn(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
                .allMatch(e -> e.getMessage().contains("/v1/services - Failed to load resource"));
    }

    @Test
    void aFunctionNamedLikeMarkupShowsAsText() {
        openAndLoad();
        List<String> names = browser.findElements(By.cssSelector("#top-table tbody td.name")).stream().map(WebElement::getText).toList();
        assertThat(names).contains(ViewsSocketTest.XSS);
        assertThat(browser.findElements(By.tagName("img"))).isEmpty();
        assertThat((Long) browser.executeScript("return document.querySelectorAll('[onerror]').length")).isZero();
        WebElement search = browser.findElement(By.id("search"));
        search.sendKeys("<img");
        waiting().until(d -> d.findElement(By.id("search-result")).getText().startsWith("matches:"));
        assertThat(browser.findElements(By.cssSelector("#flame g.frame.match text"))).isNotEmpty()
                .allSatisfy(t -> assertThat(ViewsSocketTest.XSS).startsWith(t.getText().replace("\u2026", "")));
        assertThat(browser.findElements(By.tagName("img"))).isEmpty();
    }
}
