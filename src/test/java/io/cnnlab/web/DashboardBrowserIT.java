package io.cnnlab.web;

import io.cnnlab.ServiceFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real headless Chromium (Debian's chromium and chromium-driver; {@code .ci/run} installs them):
 * submit a job on tiny generated data, watch its accuracy curve gain points from the event stream, compare it,
 * promote its model and classify an uploaded image. A screenshot of each page lands in target/screenshots.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserIT {

    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final String CHROMEDRIVER = System.getProperty("chromedriver", "/usr/bin/chromedriver");
    private static final String CHROMIUM = System.getProperty("chromium", "/usr/bin/chromium");

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 40, 21);
        // keys configured (required wherever the service listens): the page must carry the key everywhere,
        // including the event stream
        registry.add("cnn.security.keys[0].name", () -> "browser");
        registry.add("cnn.security.keys[0].sha256", () -> java.util.HexFormat.of().formatHex(sha256(KEY)));
        registry.add("cnn.security.keys[0].roles", () -> "trainer");
    }

    private static final String KEY = "dashboard-test-key-42";

    private static byte[] sha256(String value) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @LocalServerPort
    int port;

    private static ChromeDriver browser;
    private static String jobId;

    @BeforeAll
    static void startBrowser() throws Exception {
        assertThat(new File(CHROMEDRIVER).canExecute()).as(CHROMEDRIVER + ": apt-get install chromium chromium-driver").isTrue();
        Files.createDirectories(SCREENSHOTS);
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM)
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-background-networking", "--disable-extensions", "--window-size=1366,1000");
        // the console, where Chromium reports what the Content-Security-Policy blocked
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort().build(), options);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    private WebDriverWait waitUpTo(int seconds) {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(seconds));
        wait.pollingEvery(Duration.ofMillis(50));
        return wait;
    }

    private void open(String hash) {
        browser.get("http://localhost:" + port + "/" + hash);
        waitUpTo(20).until(d -> ((JavascriptExecutor) d).executeScript("return document.body.dataset.view") != null);
        // from here on, anything the policy blocks is also recorded in the page
        ((JavascriptExecutor) browser).executeScript("if (!window.cspViolations) { window.cspViolations = [];"
                + " document.addEventListener('securitypolicyviolation', e => window.cspViolations.push("
                + "e.violatedDirective + ' ' + e.blockedURI)); }");
    }

    /** Console lines of the session so far that report something the Content-Security-Policy blocked. */
    private static final List<String> CSP_CONSOLE = new ArrayList<>();

    private static void collectCspConsole() {
        for (LogEntry entry : browser.manage().logs().get(LogType.BROWSER)) {
            if (entry.getMessage().contains("Content Security Policy") || entry.getMessage().contains("Content-Security-Policy")) {
                CSP_CONSOLE.add(entry.getMessage());
            }
        }
    }

    private static void screenshot(String name) throws Exception {
        Files.write(SCREENSHOTS.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    private static int testAccuracyPoints() {
        return browser.findElements(By.cssSelector("#accuracy-chart circle.pt[data-series='test accuracy']")).size();
    }

    @Test
    @Order(1)
    void submitAJobAndWatchItsCurveGrow() throws Exception {
        open("");
        waitUpTo(20).until(d -> d.findElement(By.id("view")).getText().contains("Could not load this page"));
        assertThat(browser.findElement(By.id("view")).getText()).contains("API key");
        WebElement key = browser.findElement(By.id("api-key"));
        key.sendKeys(KEY);
        key.sendKeys(org.openqa.selenium.Keys.TAB); // change event: the page reloads its view with the key
        waitUpTo(20).until(d -> !d.findElements(By.cssSelector("#architecture option")).isEmpty());
        new Select(browser.findElement(By.id("architecture"))).selectByValue("baseline");
        assertThat(browser.findElement(By.id("arch-info")).getText()).contains("parameters").contains("MACs per image");
        assertThat(browser.findElement(By.id("learningRate")).getAttribute("value")).isEqualTo("0.0001");
        fill("epochs", "15");
        fill("batchSize", "20");
        fill("learningRate", "0.002");
        fill("modelName", "browser");
        screenshot("1-jobs-form");
        browser.findElement(By.id("submit")).click();

        waitUpTo(20).until(d -> d.getCurrentUrl().matches(".*#/jobs/[0-9a-f-]{36}$"));
        jobId = browser.getCurrentUrl().replaceAll(".*#/jobs/", "");
        List<Integer> seen = new ArrayList<>();
        // a ceiling, not a target: the 15-epoch job takes well under a minute alone, minutes on a crowded machine
        waitUpTo(600).until(d -> {
            int points = testAccuracyPoints();
            if (seen.isEmpty() || seen.get(seen.size() - 1) != points) {
                seen.add(points);
            }
            return !d.findElements(By.cssSelector("#run-header [data-state='SUCCEEDED']")).isEmpty()
                    && testAccuracyPoints() == 15;
        });
        // the page was open while the job ran: points arrived one epoch at a time, not all at the end
        assertThat(seen).as("test-accuracy points seen over time").isSorted().hasSizeGreaterThan(2);
        assertThat(browser.findElements(By.cssSelector("#epoch-rows tr"))).hasSize(15);
        assertThat(browser.findElements(By.cssSelector("#checkpoint-rows tr"))).isNotEmpty();
        screenshot("2-run");

        open("#/jobs");
        waitUpTo(20).until(d -> !d.findElements(By.cssSelector("#job-rows tr[data-job-id='" + jobId + "'] [data-state='SUCCEEDED']")).isEmpty());
        screenshot("3-jobs-list");
    }

    @Test
    @Order(2)
    void compareShowsTheRunsRow() throws Exception {
        open("#/compare");
        waitUpTo(20).until(d -> !d.findElements(By.cssSelector("input[data-job-id='" + jobId + "']")).isEmpty());
        browser.findElement(By.cssSelector("input[data-job-id='" + jobId + "']")).click();
        fill("thresholds", "20,99.5"); // the user's own levels become the time-to-accuracy columns
        browser.findElement(By.id("compare")).click();
        WebElement row = waitUpTo(20).until(d -> d.findElements(By.cssSelector("#comparison-table tr[data-job-id='" + jobId + "']"))
                .stream().findFirst().orElse(null));
        assertThat(row.getText()).contains("baseline");
        assertThat(browser.findElement(By.cssSelector("#comparison-table thead")).getText()).contains("To 20 %").contains("To 99.5 %");
        // at 1,400 px the page and each card fit: nothing scrolls sideways (the table used to overflow its card)
        org.openqa.selenium.Dimension before = browser.manage().window().getSize();
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1400, 1000));
        try {
            waitUpTo(5).until(d -> ((Number) ((JavascriptExecutor) d).executeScript("return window.outerWidth")).intValue() == 1400);
            @SuppressWarnings("unchecked")
            List<String> overflowing = (List<String>) ((JavascriptExecutor) browser).executeScript(
                    "return [document.documentElement, ...document.querySelectorAll('section.card')]"
                            + ".filter(e => e.scrollWidth > e.clientWidth)"
                            + ".map(e => (e.querySelector('h2') || e).textContent.slice(0, 40) + ': ' + e.scrollWidth + ' > ' + e.clientWidth)");
            assertThat(overflowing).as("elements wider than their box at 1400 px").isEmpty();
        } finally {
            browser.manage().window().setSize(before);
        }
        assertThat(browser.findElements(By.cssSelector("#compare-chart circle.pt"))).hasSize(15);
        screenshot("4-compare");
    }

    @Test
    @Order(3)
    void promoteTheModelAndClassifyAnUploadedImage() throws Exception {
        open("#/models");
        WebElement promote = waitUpTo(20).until(d -> d.findElements(By.xpath("//table[@data-model='browser']//button"))
                .stream().findFirst().orElse(null));
        promote.click();
        waitUpTo(20).until(d -> d.findElements(By.xpath("//table[@data-model='browser']//td[text()='production']")).size() == 1);

        Path image = home.resolve("upload.png");
        BufferedImage picture = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 48; x++) {
                picture.setRGB(x, y, ((x * 5) << 16) | ((y * 6) << 8) | ((x + y) % 2 == 0 ? 200 : 30));
            }
        }
        ImageIO.write(picture, "png", image.toFile());
        browser.findElement(By.id("image-file")).sendKeys(image.toAbsolutePath().toString());

        waitUpTo(30).until(d -> d.findElements(By.cssSelector("#predictions .prediction")).size() == 5);
        double total = 0;
        for (WebElement prediction : browser.findElements(By.cssSelector("#predictions .prediction"))) {
            assertThat(prediction.getAttribute("data-label")).isNotBlank();
            total += Double.parseDouble(prediction.findElement(By.cssSelector(".num")).getText().replace(" %", ""));
        }
        assertThat(total).isBetween(1.0, 100.05); // the top 5 of 10 classes, each a share of one distribution
        assertThat(browser.findElement(By.id("predictions")).getText()).contains("browser version 1");
        screenshot("5-models-classify");

        // text posing as an image: the page shows the service's problem detail instead of bars
        Path text = home.resolve("not-an-image.png");
        Files.writeString(text, "this is not a PNG");
        browser.findElement(By.id("image-file")).sendKeys(text.toAbsolutePath().toString());
        waitUpTo(20).until(d -> d.findElement(By.id("predictions")).getText().startsWith("Refused:"));
        assertThat(browser.findElements(By.cssSelector("#predictions .prediction"))).isEmpty();
    }

    @Test
    @Order(4)
    void everythingAboveRanUnderTheContentSecurityPolicyWithNothingBlocked() {
        open("#/jobs/" + jobId);
        waitUpTo(20).until(d -> testAccuracyPoints() > 0); // drawn by script, whether or not the run has finished
        // styles set by the scripts still apply: the chart legend's colour swatches and the progress bar
        String swatch = (String) ((JavascriptExecutor) browser).executeScript(
                "return getComputedStyle(document.querySelector('#accuracy-chart i, .legend i')).backgroundColor");
        assertThat(swatch).isNotIn("rgba(0, 0, 0, 0)", "transparent");
        String bar = (String) ((JavascriptExecutor) browser).executeScript(
                "const b = document.querySelector('.bar > span'); return b ? b.style.width : null");
        // the style set by script applies (the browser writes "100.0%" back as "100%")
        assertThat(bar).endsWith("%");
        assertThat(Double.parseDouble(bar.substring(0, bar.length() - 1))).isEqualTo(100.0);

        collectCspConsole();
        assertThat(CSP_CONSOLE).as("console reports of blocked content").isEmpty();
        assertThat((List<?>) ((JavascriptExecutor) browser).executeScript("return window.cspViolations")).isEmpty();
    }

    private static void fill(String id, String value) {
        WebElement input = browser.findElement(By.id(id));
        input.clear();
        input.sendKeys(value);
    }
}
