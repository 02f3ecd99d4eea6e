package dev.pgofleet.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless chromium driven through the system chromedriver (Debian's {@code chromium} and
 * {@code chromium-driver}; {@code .ci/run} installs them). The driver path is set explicitly, so
 * Selenium Manager never downloads anything. Tests are skipped with a message where no browser
 * is installed. {@code PGOF_CHROMIUM} and {@code PGOF_CHROMEDRIVER} name other binaries.
 */
public final class HeadlessChromium {
    private HeadlessChromium() {}

    public static ChromeDriver start(Path downloads) {
        Path browser = find("PGOF_CHROMIUM", List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"));
        Path driver = find("PGOF_CHROMEDRIVER", List.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"));
        if (browser == null || driver == null) {
            String why = "chromium or chromedriver not found (apt-get install chromium chromium-driver; .ci/run installs them): "
                    + "browser tests SKIPPED";
            System.out.println(why);
            Assumptions.abort(why);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(browser.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000", "--no-first-run", "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync");
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false, "safebrowsing.enabled", false));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
                .usingAnyFreePort().withTimeout(Duration.ofSeconds(60)).build();
        ChromeDriver d = new ChromeDriver(service, options);
        d.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        return d;
    }

    private static Path find(String variable, List<String> candidates) {
        String env = System.getenv(variable);
        if (env != null && Files.isExecutable(Path.of(env))) {
            return Path.of(env);
        }
        return candidates.stream().map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
    }
}
