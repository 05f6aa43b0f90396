package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.siplb.transport.demo.Backend;
import io.siplb.transport.demo.CallGenerator;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The status page in a real browser: Debian's headless Chromium, driven through chromedriver,
 * opens the page of a running balancer with two in-JVM PBXs and a caller; a PBX that stops
 * answering turns inactive on the page and back; the counters move; an action changes the state
 * the API reports; without the token an action is refused and the page says so. Saves a
 * screenshot to {@code target/interop/status-page.png}. Needs {@code chromium} and
 * {@code chromium-driver} ({@code .ci/run} installs them); without them the test says so and is
 * skipped.
 */
@Tag("interop")
class StatusPageBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String flags(WebDriver driver, Backend backend) {
        List<WebElement> cells = driver.findElements(By.cssSelector(
                "tr[data-uri='sip:127.0.0.1:" + backend.address().getPort() + "'] td.flags span"));
        return cells.isEmpty() ? "" : cells.get(0).getText();
    }

    @Test
    void theOperatorSeesAFailoverHappenAndActsOnIt() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver): skipped");
        try (Backend a = new Backend("pbx1", 0, Backend.Behaviour.HEALTHY);
                Backend b = new Backend("pbx2", 0, Backend.Behaviour.HEALTHY);
                LoopbackBalancer lb = new LoopbackBalancer(LoopbackBalancer.lines(List.of(a, b)),
                        "siplb.admin.listen=127.0.0.1:0", "siplb.admin.token=s3cret", "siplb.probe.interval=300ms",
                        "siplb.probe.timeout=200ms", "siplb.failover.mark=none");
                CallGenerator caller = new CallGenerator(lb.address, false)) {
            caller.start(20, Duration.ofMillis(100));
            String base = "http://127.0.0.1:" + lb.balancer.adminPort();
            ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile());
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--window-size=1100,900", "--user-data-dir=" + Files.createTempDirectory("siplb-chromium"));
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                    .usingAnyFreePort().build();
            WebDriver driver = new ChromeDriver(service, options);
            try {
                WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(10));
                // the live page redraws a row while it is read: a stale element is read again
                wait.ignoring(StaleElementReferenceException.class);
                driver.get(base + "/?token=s3cret");
                wait.until(ExpectedConditions.textToBe(By.id("connection"), "live"));
                wait.until(d -> flags(d, a).startsWith("A") && flags(d, b).startsWith("A"));
                wait.until(d -> Long.parseLong(d.findElement(By.id("rate-invites")).getText().replace("–", "0")) > 0);

                b.behave(Backend.Behaviour.silentOne()); // pbx2 stops answering: probes fail
                wait.until(d -> flags(d, b).startsWith("I"));
                b.behave(Backend.Behaviour.HEALTHY);
                wait.until(d -> flags(d, b).startsWith("A"));

                driver.findElement(By.cssSelector("tr[data-uri='sip:127.0.0.1:" + a.address().getPort()
                        + "'] button[data-state='d']")).click();
                wait.until(ExpectedConditions.alertIsPresent()).accept(); // "Set … to disabled?"
                wait.until(d -> flags(d, a).startsWith("D"));
                assertThat(stateFromApi(base, a)).startsWith("D");

                driver.findElement(By.id("token")).clear(); // the operator without the token
                driver.findElement(By.cssSelector("tr[data-uri='sip:127.0.0.1:" + a.address().getPort()
                        + "'] button[data-state='a']")).click();
                wait.until(ExpectedConditions.alertIsPresent()).accept();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("error"), "missing bearer token"));
                assertThat(driver.findElement(By.id("error")).getText()).contains("HTTP 401");
                assertThat(stateFromApi(base, a)).startsWith("D");

                Path out = Path.of("target/interop");
                Files.createDirectories(out);
                File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
                Files.copy(shot.toPath(), out.resolve("status-page.png"), StandardCopyOption.REPLACE_EXISTING);
            } finally {
                driver.quit();
            }
            caller.stop();
        }
    }

    private static String stateFromApi(String base, Backend backend) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(base + "/dispatcher/list")).header("Authorization", "Bearer s3cret").build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode set : JSON.readTree(response.body()).get("sets")) {
            for (JsonNode d : set.get("destinations")) {
                if (d.get("uri").asText().equals("sip:127.0.0.1:" + backend.address().getPort())) {
                    return d.get("flags").asText();
                }
            }
        }
        throw new AssertionError("no " + backend.name() + " in the list");
    }
}
